#!/usr/bin/env bash
# Runs Easel locally: a private PostgreSQL under .dev/, the Gemini simulator when no
# GEMINI_API_KEY is set, and `easel serve` on http://127.0.0.1:8080 (EASEL_PORT to change).
#
# The first run creates the cluster, a secret key and a platform admin, and prints the admin's
# credentials (also kept in .dev/admin-credentials.txt). Later runs reuse all of it.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh

# EASEL_DEV_DIR moves the data (cluster, keys, credentials) elsewhere, e.g. when the clone sits
# under a home directory the cluster's OS user cannot enter.
DEV_DIR="${EASEL_DEV_DIR:-$PWD/.dev}"
PGDATA_DIR="$DEV_DIR/pgdata"
EASEL_PORT=${EASEL_PORT:-8080}
export EASEL_HOST=${EASEL_HOST:-127.0.0.1} EASEL_PORT

mkdir -p "$DEV_DIR"
chmod 755 "$DEV_DIR"  # the cluster's OS user must reach its data directory inside
if [ "$(id -u)" = 0 ] && id "$EASEL_PG_OS_USER" >/dev/null 2>&1 && ! runuser -u "$EASEL_PG_OS_USER" -- test -x "$DEV_DIR"; then
    die "the '$EASEL_PG_OS_USER' user cannot enter $DEV_DIR (a parent directory is private); run EASEL_DEV_DIR=/var/tmp/easel-dev deploy/dev.sh"
fi

if python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $EASEL_PORT)) != 0)"; then
    die "port $EASEL_PORT is in use; stop what listens there or run EASEL_PORT=8081 deploy/dev.sh"
fi

log "building Easel (the first build takes several minutes)"
swift build --product easel
swift build --product GeminiSimulator
BIN="$(swift build --show-bin-path)"

SIMULATOR_PID=""
cleanup() {
    trap - EXIT INT TERM
    set +e
    [ -n "$SIMULATOR_PID" ] && kill "$SIMULATOR_PID" 2>/dev/null && wait "$SIMULATOR_PID" 2>/dev/null
    log "stopping PostgreSQL"
    pg_stop "$PGDATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL: a cluster of our own, with a generated password for the "easel" role.
if [ ! -f "$DEV_DIR/pg-password" ]; then
    python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEV_DIR/pg-password"
    chmod 600 "$DEV_DIR/pg-password"
fi
PG_PASSWORD=$(cat "$DEV_DIR/pg-password")
if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $PGDATA_DIR"
    pwfile=$(mktemp)
    echo "$PG_PASSWORD" > "$pwfile"
    [ "$(id -u)" = 0 ] && chown "$EASEL_PG_OS_USER" "$pwfile"
    pg_init "$PGDATA_DIR" easel scram-sha-256 "$pwfile"
    rm -f "$pwfile"
fi
pg_stop "$PGDATA_DIR"  # a cluster left running by a killed earlier run
PG_PORT=$(cat "$DEV_DIR/pg-port" 2>/dev/null || free_port)
if ! python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $PG_PORT)) == 0)"; then
    PG_PORT=$(free_port)
fi
echo "$PG_PORT" > "$DEV_DIR/pg-port"
log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
pg_start "$PGDATA_DIR" "$PG_PORT" "$DEV_DIR/postgres.log"
PGPASSWORD="$PG_PASSWORD" "$(pg_bin psql)" -h 127.0.0.1 -p "$PG_PORT" -U easel -d postgres -qtA \
    -c "SELECT 1 FROM pg_database WHERE datname = 'easel'" | grep -q 1 \
    || PGPASSWORD="$PG_PASSWORD" "$(pg_bin createdb)" -h 127.0.0.1 -p "$PG_PORT" -U easel easel
export EASEL_DATABASE_URL="postgres://easel:$PG_PASSWORD@127.0.0.1:$PG_PORT/easel?sslmode=disable"

# The key that encrypts upstream tokens at rest: made once, kept with the data it protects.
if [ ! -f "$DEV_DIR/secret-key" ]; then
    python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$DEV_DIR/secret-key"
    chmod 600 "$DEV_DIR/secret-key"
fi
export EASEL_SECRET_KEY=$(cat "$DEV_DIR/secret-key")

"$BIN/easel" migrate
"$BIN/easel" seed-models

ADMIN_EMAIL=${EASEL_DEV_ADMIN_EMAIL:-admin@easel.local}
created=$("$BIN/easel" create-admin --email "$ADMIN_EMAIL" --name "Platform admin" --if-none)
if grep -q '^Password: ' <<<"$created"; then
    printf 'email: %s\npassword: %s\n' "$ADMIN_EMAIL" "$(sed -n 's/^Password: //p' <<<"$created")" \
        > "$DEV_DIR/admin-credentials.txt"
    chmod 600 "$DEV_DIR/admin-credentials.txt"
    log "created the first platform admin (kept in .dev/admin-credentials.txt):"
    sed 's/^/    /' "$DEV_DIR/admin-credentials.txt" >&2
elif [ -f "$DEV_DIR/admin-credentials.txt" ]; then
    log "platform admin: see .dev/admin-credentials.txt"
fi

# Without a real key, Gemini calls go to the local simulator. It is for development only.
if [ -z "${GEMINI_API_KEY:-}" ]; then
    SIM_KEY="dev-simulator-key"
    coproc SIM { exec "$BIN/GeminiSimulator" --port 0 --key "$SIM_KEY"; }
    SIMULATOR_PID=$SIM_PID  # bash unsets SIM_PID when the coprocess ends
    read -r -t 30 SIM_PORT <&"${SIM[0]}" || die "the Gemini simulator did not start"
    [[ "$SIM_PORT" =~ ^[0-9]+$ ]] || die "the Gemini simulator printed '$SIM_PORT' instead of its port"
    export GEMINI_BASE_URL="http://127.0.0.1:$SIM_PORT" GEMINI_API_KEY="$SIM_KEY"
    log "no GEMINI_API_KEY set: Gemini calls go to the simulator at $GEMINI_BASE_URL"
fi

log "Easel on http://$EASEL_HOST:$EASEL_PORT  (Ctrl-C to stop)"
"$BIN/easel" serve &
EASEL_PID=$!
trap 'kill -TERM $EASEL_PID 2>/dev/null; wait $EASEL_PID; exit 130' INT TERM
wait $EASEL_PID
