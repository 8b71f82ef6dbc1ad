#!/usr/bin/env bash
# Runs every Easel test suite against a throwaway PostgreSQL cluster, then removes the cluster,
# also when tests fail: the Swift tests, the Python suites (Google's SDK, the console in
# Chromium) and the fault suite at 500 generations (EASEL_FAULTS_GENERATIONS to change it).
# Ends with one line: "N passed, N failed".
#
#   deploy/test.sh                 everything
#   deploy/test.sh --filter NAME   only Swift tests whose name matches NAME
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh

SWIFT_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --filter) SWIFT_ARGS+=(--filter "$2"); shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

WORK=$(mktemp -d /tmp/easel-test.XXXXXX)
chmod 755 "$WORK"
PGDATA_DIR="$WORK/pgdata"
cleanup() {
    pg_stop "$PGDATA_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PG_PORT=$(free_port)
log "starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT"
pg_init "$PGDATA_DIR" postgres trust
# Durability is pointless for a cluster that lives for one run; fsync=off makes it fast.
pg_start "$PGDATA_DIR" "$PG_PORT" "$WORK/postgres.log" \
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=800"
export EASEL_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"

passed=0
failed=0
status=0

log "swift test"
XUNIT="$WORK/swift.xml"
set +e
swift test --parallel --xunit-output "$XUNIT" "${SWIFT_ARGS[@]}" 2>&1 | tee "$WORK/swift-test.log"
swift_status=${PIPESTATUS[0]}
set -e
# Swift Testing writes its own xUnit file beside the XCTest one.
read -r p f < <(python3 deploy/lib/xunit_counts.py "$XUNIT" "${XUNIT%.xml}-swift-testing.xml")
passed=$((passed + p)); failed=$((failed + f))
if [ "$swift_status" != 0 ]; then
    status=1
    [ "$f" = 0 ] && failed=$((failed + 1))  # a build failure or crash counts as a failure
fi

if [ ${#SWIFT_ARGS[@]} -eq 0 ]; then
    # Python suites: Google's own SDK (google-genai) as the client.
    log "preparing the Python test environment"
    VENV="$PWD/.build-python"
    stamp="$VENV/.requirements.sha256"
    want=$(sha256sum Tests/python/requirements.txt | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r Tests/python/requirements.txt
        echo "$want" > "$stamp"
    fi
    swift build --product GeminiSimulator >/dev/null
    swift build --product easel >/dev/null
    export GEMINI_SIMULATOR_BIN="$(swift build --show-bin-path)/GeminiSimulator"
    export EASEL_BIN="$(swift build --show-bin-path)/easel"
    # The console suite drives a real headless Chromium.
    export CHROMIUM_BIN=${CHROMIUM_BIN:-$(command -v chromium || command -v chromium-browser || true)}
    export CHROMEDRIVER_BIN=${CHROMEDRIVER_BIN:-$(command -v chromedriver || true)}
    [ -n "$CHROMIUM_BIN" ] && [ -n "$CHROMEDRIVER_BIN" ] \
        || die "the console tests need Chromium and its driver (Debian: apt-get install chromium chromium-driver)"

    log "pytest Tests/python"
    set +e
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml "$WORK/pytest.xml" Tests/python
    pytest_status=$?
    set -e
    read -r p f < <(python3 deploy/lib/xunit_counts.py "$WORK/pytest.xml")
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$pytest_status" != 0 ]; then
        status=1
        [ "$f" = 0 ] && failed=$((failed + 1))
    fi

    # The fault suite at CI size (deploy/faults.sh runs 10,000 by default): one result per check.
    log "fault suite (${EASEL_FAULTS_GENERATIONS:-500} generations)"
    set +e
    deploy/faults.sh --generations "${EASEL_FAULTS_GENERATIONS:-500}" 2>&1 | tee "$WORK/faults.log"
    faults_status=${PIPESTATUS[0]}
    set -e
    read -r p f < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/faults.log" | tail -n 1 | awk '{print $1, $3}')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    if [ "$faults_status" != 0 ]; then
        status=1
        [ "${f:-0}" = 0 ] && failed=$((failed + 1))
    fi
fi

echo
echo "$passed passed, $failed failed"
exit $status
