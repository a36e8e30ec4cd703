#!/usr/bin/env bash
# The tests under sanitizers, each in a build directory of its own (-O1):
#   tests/sanitizers.sh asan   every test under AddressSanitizer and UBSan (build-asan/)
#   tests/sanitizers.sh tsan   the multi-threaded tests under ThreadSanitizer (build-tsan/):
#                              the pool, WebSocket handles and topics, the shared client
#                              session, server start and shutdown
# Needs what tests/run-all.sh installs; starts its own throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: tests/sanitizers.sh asan|tsan}
case $kind in
  asan) dir=build-asan; flags=(-DASIOHTTP_SANITIZE=ON); filter=() ;;
  tsan) dir=build-tsan; flags=(-DASIOHTTP_TSAN=ON)
        filter=(-R 'Pool|Postgres|PgTopics|Topics|SlowReader|WebSocket|Handle|Client|Shutdown|Server|Chat|Tasks') ;;
  *) echo "usage: tests/sanitizers.sh asan|tsan" >&2; exit 2 ;;
esac
docker/install-deps.sh build test
# -O1 alone (the project's default build type is Release, whose -O3 makes
# sanitized builds far slower to compile); asserts stay on.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 "${flags[@]}" >/dev/null
cmake --build "$dir"
source tests/pg/throwaway-postgres.sh
start_throwaway_postgres >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
ctest --test-dir "$dir" -j2 --timeout 600 --output-on-failure "${filter[@]}"
