#!/usr/bin/env bash
# Runs every test: installs what is missing, starts a throwaway PostgreSQL unless TEST_DATABASE_URL is
# given, then the Swift tests (SQLite and PostgreSQL), the JavaScript tests, the browser tests, a short run
# of the API fuzzer, the two-process limits check, and short runs of the upload and fault scripts
# (Tests/security, a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh

pg_tmp=""
cleanup() {
  if [ -n "$pg_tmp" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_tmp/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pg_tmp"
  fi
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_tmp=$(mktemp -d /tmp/portal-pg.XXXXXX)
  chown postgres:postgres "$pg_tmp"
  port=${TEST_PG_PORT:-55432}
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$pg_tmp/data" -A trust -U postgres -E UTF8 >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_tmp/data" -l "$pg_tmp/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_tmp -c fsync=off -c max_connections=200" start >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$port" -U postgres portal_test
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/portal_test"
  echo "PostgreSQL started for the tests on 127.0.0.1:$port"
fi

# Every data test runs on both databases: without PostgreSQL the run fails instead of shrinking in silence.
export REQUIRE_POSTGRES=1

echo "== Swift tests (SQLite and PostgreSQL)"
swift build --build-tests
swift_log=$(mktemp)
swift test --skip-build 2>&1 | tee "$swift_log"
# A skipped test is a check that did not run: the run says how many, and fails on any.
swift_skips=$(grep -oE "with [0-9]+ tests? skipped" "$swift_log" | grep -oE "[0-9]+" | sort -n | tail -1 || true)
swift_skips=${swift_skips:-0}
echo "Swift tests skipped: $swift_skips"
rm -f "$swift_log"
[ "$swift_skips" = 0 ] || { echo "FAIL: $swift_skips Swift tests were skipped"; exit 1; }

echo "== JavaScript tests"
node --test Tests/js/

echo "== Browser tests, API fuzzing (short run), limits across two server processes, uploads, faults (short runs)"
python3 -m pytest -q Tests/e2e Tests/fuzz Tests/security
