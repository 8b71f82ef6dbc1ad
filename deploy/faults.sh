#!/usr/bin/env bash
# The fault suite: two Easel instances on one PostgreSQL, the simulator as upstream, a steady
# load of generations with upstream faults mixed in; meanwhile one instance is SIGKILLed and
# started again, PostgreSQL is restarted, an instance gets SIGTERM with calls in flight, and
# one gets SIGTERM while the database is down. Prints what came out (see deploy/lib/faults.py)
# and ends with "N passed, N failed" (one per check).
#
#   deploy/faults.sh                     10,000 generations
#   deploy/faults.sh --generations N     N generations (deploy/test.sh runs 500)
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh

GENERATIONS=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --generations) GENERATIONS=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

swift build --product easel >/dev/null
swift build --product GeminiSimulator >/dev/null
BIN=$(swift build --show-bin-path)

WORK=$(mktemp -d /tmp/easel-faults.XXXXXX)
chmod 755 "$WORK"
PIDS=()
# The instances' and the simulator's logs are kept here for a look after the run.
LOGS=${EASEL_FAULTS_LOGS:-/tmp/easel-faults-logs}
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    pg_stop "$WORK/pgdata"
    rm -rf "$LOGS" && mkdir -p "$LOGS" && cp "$WORK"/*.log "$LOGS"/ 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PG_PORT=$(free_port)
# Statements over a second and lock waits are logged, to explain a slow recovery.
PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c log_min_duration_statement=1000 -c log_lock_waits=on"
pg_init "$WORK/pgdata" postgres trust
pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log" "$PG_OPTIONS"
DB="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
# How the driver stops and starts the database (as the cluster's owner when we are root).
cat > "$WORK/pg.sh" <<SCRIPT
source "$PWD/deploy/lib/common.sh"
case "\$1" in
    stop) pg_run "\$(pg_bin pg_ctl)" -D "$WORK/pgdata" -m fast -w stop >/dev/null ;;
    start) pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log" "$PG_OPTIONS" ;;
esac
SCRIPT

"$BIN/GeminiSimulator" --port 0 --key faults > "$WORK/simulator.out" 2> "$WORK/simulator.log" &
PIDS+=($!)
for _ in $(seq 200); do [ -s "$WORK/simulator.out" ] && break; sleep 0.05; done
SIMULATOR="http://127.0.0.1:$(head -1 "$WORK/simulator.out")"

export EASEL_DATABASE_URL="$DB" EASEL_SECRET_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" EASEL_BCRYPT_COST=4
"$BIN/easel" migrate > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "migrating the fault suite's database failed"; }
echo "fault suite admin" | "$BIN/easel" create-admin --email admin@faults.test --password-stdin > /dev/null
TENANT=$("$BIN/easel" create-tenant --name Faults --slug faults | awk '{print $NF}')
"$BIN/easel" seed-models > /dev/null

log "fault suite: $GENERATIONS generations"
python3 deploy/lib/faults.py --generations "$GENERATIONS" --easel "$BIN/easel" --database "$DB" \
    --simulator "$SIMULATOR" --tenant "$TENANT" --ports "$(free_port),$(free_port)" --workdir "$WORK" \
    --pg-stop "bash $WORK/pg.sh stop" --pg-start "bash $WORK/pg.sh start"
