#!/usr/bin/env bash
# Benchmarks in a release build, each against a baseline measured in the same run (so figures
# compare across machines as ratios). Prints one JSON line per case.
#
#   decode N MB          Easel's typed decode vs a generic JSONSerialization parse + base64 decode
#   decode-memory N MB   extra peak memory of one decode, client and baseline, each in its own process
#   round trip           client.generateContent vs a raw HTTP POST to the same simulator
#   generation latency   a generation through Easel (POST ?wait) vs the same call to the simulator
#                        directly, small and large images: added p50/p99
#   in flight            2000 generations against a 2 s upstream: how many run at once, Easel's peak RSS
#
#   deploy/bench.sh [client|generation]   only one group (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
GROUP="${1:-all}"
IN_FLIGHT="${EASEL_BENCH_IN_FLIGHT:-2000}"

log "building (release)"
swift build -c release --product EaselBench >&2
BIN="$(swift build -c release --show-bin-path)"
BENCH="$BIN/EaselBench"

if [ "$GROUP" = all ] || [ "$GROUP" = client ]; then
    for mb in 1 20; do
        "$BENCH" decode "$mb"
        "$BENCH" decode-memory "$mb" client
        "$BENCH" decode-memory "$mb" baseline
    done
    "$BENCH" roundtrip
fi

[ "$GROUP" = all ] || [ "$GROUP" = generation ] || exit 0

swift build -c release --product easel >&2
swift build -c release --product GeminiSimulator >&2
WORK=$(mktemp -d /tmp/easel-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pg_stop "$WORK/pgdata"
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PG_PORT=$(free_port)
pg_init "$WORK/pgdata" postgres trust
pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log" \
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
DB="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"

"$BIN/GeminiSimulator" --port 0 --key bench > "$WORK/simulator.out" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/simulator.out" ] && break; sleep 0.05; done
SIMULATOR="http://127.0.0.1:$(head -1 "$WORK/simulator.out")"

EASEL_PORT=$(free_port)
export EASEL_DATABASE_URL="$DB" EASEL_PORT EASEL_SECRET_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" \
    GEMINI_BASE_URL="$SIMULATOR" GEMINI_API_KEY=bench EASEL_BCRYPT_COST=4 EASEL_LOG_LEVEL=error \
    EASEL_WORKERS=$((IN_FLIGHT + 100)) EASEL_USER_REQUESTS_PER_MINUTE=0 EASEL_API_KEY_REQUESTS_PER_MINUTE=0
"$BIN/easel" migrate > /dev/null
echo "bench admin password" | "$BIN/easel" create-admin --email admin@bench.test --password-stdin > /dev/null
TENANT=$("$BIN/easel" create-tenant --name Bench --slug bench | awk '{print $NF}')
"$BIN/easel" seed-models > /dev/null
"$BIN/easel" serve > "$WORK/easel.log" 2>&1 &
EASEL_PID=$!
PIDS+=($EASEL_PID)
EASEL="http://127.0.0.1:$EASEL_PORT"
for _ in $(seq 200); do curl -fs "$EASEL/ready" > /dev/null 2>&1 && break; sleep 0.05; done
read -r KEY MODEL < <("$BENCH" generation-setup "$EASEL" "$TENANT" admin@bench.test "bench admin password")

"$BENCH" generation-latency "$EASEL" "$SIMULATOR" "$KEY" "$MODEL"

counts() {
    psql "$DB" -Atc "SELECT count(*) FILTER (WHERE status = 'running'),
        count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'blocked', 'canceled')),
        count(*) FILTER (WHERE status = 'succeeded') FROM generations" | tr '|' ' '
}
rss_mb() { echo $(( $(awk "/$1/ {print \$2}" /proc/$EASEL_PID/status) / 1024 )); }

# In flight against a 2 s upstream: queue the generations, sample how many run at once until all
# have ended. Accepting requests on 2 shared cores bounds how many overlap.
psql "$DB" -qc "DELETE FROM generations" > /dev/null
"$BENCH" generation-submit "$EASEL" "$KEY" "$MODEL" "$IN_FLIGHT" latency=2000
peak=0
started=$(date +%s)
while :; do
    read -r running done succeeded < <(counts)
    [ "$running" -gt "$peak" ] && peak=$running
    [ "$done" -ge "$IN_FLIGHT" ] && break
    [ $(( $(date +%s) - started )) -gt 300 ] && die "in-flight run did not finish in 5 minutes ($done of $IN_FLIGHT)"
    sleep 0.2
done
printf '{"case":"in flight, 2 s upstream","generations":"%s","succeeded":"%s","peak_running":"%s","peak_rss_mb":"%s"}\n' \
    "$IN_FLIGHT" "$succeeded" "$peak" "$(rss_mb VmHWM)"

# All at once: every upstream call is held open until all are running, then released together.
psql "$DB" -qc "DELETE FROM generations" > /dev/null
"$BENCH" generation-submit "$EASEL" "$KEY" "$MODEL" "$IN_FLIGHT" hold=bench-hold
started=$(date +%s)
while :; do
    read -r running done succeeded < <(counts)
    [ "$running" -ge "$IN_FLIGHT" ] && break
    [ $(( $(date +%s) - started )) -gt 120 ] && die "only $running of $IN_FLIGHT generations ever ran at once"
    sleep 0.2
done
held_running=$running
held_rss=$(rss_mb VmRSS)
curl -fs -X POST "$SIMULATOR/_sim/release/bench-hold"
while :; do
    read -r running done succeeded < <(counts)
    [ "$done" -ge "$IN_FLIGHT" ] && break
    [ $(( $(date +%s) - started )) -gt 300 ] && die "held run did not finish ($done of $IN_FLIGHT)"
    sleep 0.2
done
printf '{"case":"in flight, all held at once","generations":"%s","running_at_once":"%s","succeeded":"%s","rss_while_held_mb":"%s","peak_rss_mb":"%s"}\n' \
    "$IN_FLIGHT" "$held_running" "$succeeded" "$held_rss" "$(rss_mb VmHWM)"
