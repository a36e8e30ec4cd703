#!/usr/bin/env bash
# The tests under sanitizers, each in a build directory of its own (-O1):
#   tests/sanitizers.sh asan   every test under AddressSanitizer and UBSan (build-asan/),
#                              the benchmark tools built too: what CI runs (tests/run-all.sh)
#   tests/sanitizers.sh tsan   the multi-threaded tests under ThreadSanitizer (build-tsan/):
#                              the pool, WebSocket handles and topics, the shared client
#                              session, server start and shutdown, metrics, the watchdog,
#                              rate limits, compression and the per-thread JSON serializer
# Starts its own throwaway PostgreSQL; installs what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: tests/sanitizers.sh asan|tsan}
case $kind in
  asan) dir=build-asan; flags=(-DASIOHTTP_SANITIZE=ON -DASIOHTTP_BUILD_BENCH=ON); filter=() ;;
  tsan) dir=build-tsan; flags=(-DASIOHTTP_TSAN=ON)
        filter=(-R 'Pool|Postgres|PgTopics|Topics|SlowReader|WebSocket|Handle|Client|Shutdown|Server|Chat|Tasks|Metrics|CapturedLogs|RateLimit|Compression|JsonText') ;;
  *) echo "usage: tests/sanitizers.sh asan|tsan" >&2; exit 2 ;;
esac
docker/install-deps.sh build test
# The browser tests' one npm package (playwright-core; the browser is Debian's chromium).
npm ci --prefix tests/browser --no-audit --no-fund --silent

# -O1 alone (the project's default build type is Release, whose -O3 makes
# sanitized builds far slower to compile); asserts stay on.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 "${flags[@]}" >/dev/null
cmake --build "$dir"

source tests/pg/throwaway-postgres.sh
# Tests that need the database must run: no server is a failure, not a skip.
start_throwaway_postgres || { echo "sanitizers: could not start PostgreSQL; failing" >&2; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:handle_abort=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
ctest --test-dir "$dir" --output-on-failure -j4 --timeout 600 "${filter[@]}"
