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
#   usage                usage figures (31 days by day) and the quota check's month on a tenant with
#                        a million generations, vs the same sums scanned from `generations`
#
#   deploy/bench.sh [client|generation|usage]   only one group (default: all)
#   EASEL_BENCH_USAGE_ROWS=N                    generations seeded for the usage group (1000000)
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

[ "$GROUP" = all ] || [ "$GROUP" = generation ] || [ "$GROUP" = usage ] || exit 0

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

if [ "$GROUP" = all ] || [ "$GROUP" = usage ]; then
    ROWS="${EASEL_BENCH_USAGE_ROWS:-1000000}"
    log "seeding $ROWS generations over 30 days (50 users, 3 models; the roll-up trigger runs for each)"
    psql "$DB" -q -v tenant="$TENANT" -v rows="$ROWS" <<'SQL'
INSERT INTO users (tenant_id, email, role, password_hash, status)
SELECT :'tenant', 'usage' || n || '@bench.test', 'member', '$2b$04$abcdefghijklmnopqrstuuWw7W2p9tKzZnhb4c7JH7hYkYx1F2a3u', 'active'
FROM generate_series(1, 50) n;
-- 90% succeeded, 5% blocked, 5% failed; latencies 2 to 40 s.
INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, image_count, prompt_tokens,
    output_tokens, image_tokens, thought_tokens, total_tokens, cost_micros, latency_ms, error_code, block_reason,
    created_at, started_at, finished_at)
SELECT :'tenant', u.id, m.id, 'api', '{}', 'bench', s, (s = 'succeeded')::int, 20,
       CASE WHEN s = 'succeeded' THEN 1290 END, CASE WHEN s = 'succeeded' THEN 1290 END, 0,
       CASE WHEN s <> 'failed' THEN 1310 END, CASE WHEN s = 'succeeded' THEN 38706 END,
       CASE WHEN s = 'succeeded' THEN 2000 + (n::bigint * 7919) % 38000 END,
       CASE WHEN s = 'failed' THEN 'deadline_exceeded' END, CASE WHEN s = 'blocked' THEN 'IMAGE_SAFETY' END,
       c, c, c + interval '5 seconds'
FROM generate_series(1, :rows) n
CROSS JOIN LATERAL (SELECT CASE WHEN n % 20 = 0 THEN 'blocked' WHEN n % 20 = 1 THEN 'failed' ELSE 'succeeded' END AS s,
                           now() - (n::bigint * 2592 % 2592000) * interval '1 second' AS c) x
JOIN LATERAL (SELECT id FROM users WHERE email = 'usage' || (n % 50 + 1) || '@bench.test') u ON true
JOIN LATERAL (SELECT id FROM models WHERE tenant_id IS NULL ORDER BY api_model OFFSET (n % 3) LIMIT 1) m ON true;
-- Seeded in one transaction, every roll-up update stays until commit; one finish per
-- transaction (as in service) lets PostgreSQL prune them as it goes. Compact it to match.
VACUUM FULL usage_daily;
VACUUM ANALYZE;
SQL
    USER_ID=$(psql "$DB" -Atc "SELECT id FROM users WHERE email = 'usage1@bench.test'")
    "$BENCH" usage "$DB" "$TENANT" "$USER_ID"
    psql "$DB" -qc "DELETE FROM generations" > /dev/null
fi
[ "$GROUP" = all ] || [ "$GROUP" = generation ] || exit 0

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
