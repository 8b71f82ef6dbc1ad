# Shared shell helpers for deploy/dev.sh and deploy/test.sh: a private PostgreSQL cluster and
# free ports. Sourced, not run.

# PostgreSQL refuses to run as root; as root, the cluster is run by this unprivileged user.
EASEL_PG_OS_USER=${EASEL_PG_OS_USER:-postgres}

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Finds initdb/pg_ctl: on PATH, or in Debian's versioned directory.
pg_bin() {
    local tool=$1
    if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$tool"; do
        [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
    die "$tool not found: install PostgreSQL 15 or newer (Debian: apt-get install postgresql)"
}

# Runs a PostgreSQL server tool, as $EASEL_PG_OS_USER when we are root.
pg_run() {
    if [ "$(id -u)" = 0 ]; then
        id "$EASEL_PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$EASEL_PG_OS_USER"
        runuser -u "$EASEL_PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# Makes a directory owned by whoever runs the cluster.
pg_own_dir() {
    mkdir -p "$1"
    chmod 700 "$1"
    if [ "$(id -u)" = 0 ]; then chown "$EASEL_PG_OS_USER" "$1"; fi
}

# pg_init DATADIR SUPERUSER AUTH [PWFILE]: creates a cluster unless one is there.
pg_init() {
    local datadir=$1 superuser=$2 auth=$3 pwfile=${4:-}
    [ -f "$datadir/PG_VERSION" ] && return 0
    pg_own_dir "$datadir"
    local args=(-D "$datadir" -U "$superuser" --auth="$auth" --encoding=UTF8 --locale=C.UTF-8)
    [ -n "$pwfile" ] && args+=(--pwfile="$pwfile")
    pg_run "$(pg_bin initdb)" "${args[@]}" >/dev/null || die "initdb failed for $datadir"
}

# pg_start DATADIR PORT LOGFILE [extra postgres options]: starts the cluster on 127.0.0.1:PORT.
pg_start() {
    local datadir=$1 port=$2 logfile=$3; shift 3
    local sockdir="$datadir/sockets"
    pg_own_dir "$sockdir"
    touch "$logfile"; [ "$(id -u)" = 0 ] && chown "$EASEL_PG_OS_USER" "$logfile"
    pg_run "$(pg_bin pg_ctl)" -D "$datadir" -l "$logfile" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $sockdir $*" start >/dev/null \
        || { tail -n 20 "$logfile" >&2; die "PostgreSQL did not start (log: $logfile)"; }
}

pg_stop() {
    local datadir=$1
    [ -f "$datadir/postmaster.pid" ] || return 0
    pg_run "$(pg_bin pg_ctl)" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
}
