#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, ASan and UBSan on) and
# runs each from its seed corpus (tests/fuzz/corpus/<target>, left untouched:
# it works on a copy) for a bounded time. A crash or a sanitizer report stops
# the run, prints the report and keeps the input in build-fuzz/artifacts/.
#   tests/fuzz/run.sh [seconds per target = 20] [target...]
#   FUZZ_RUNS=N tests/fuzz/run.sh     N inputs per target from seed 1 instead: the
#                                     same inputs every time (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
per_target=${1:-20}
shift || true
all=(request ws_frames client_response url cookies forms range session_cookie)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")

docker/install-deps.sh build fuzz
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-15 -DCMAKE_BUILD_TYPE=Release \
  -DASIOHTTP_BUILD_TESTS=OFF -DASIOHTTP_BUILD_APPS=OFF -DASIOHTTP_WITH_PG=OFF -DASIOHTTP_FUZZ=ON >/dev/null
cmake --build build-fuzz --target "${targets[@]/#/fuzz_}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p build-fuzz/artifacts
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if [[ -n "${FUZZ_RUNS:-}" ]]; then bound=(-runs="$FUZZ_RUNS" -seed=1); what="$FUZZ_RUNS inputs from seed 1"
else bound=(-max_total_time="$per_target"); what="${per_target}s"; fi
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/"
  if ! build-fuzz/tests/fuzz/fuzz_"$t" "${bound[@]}" -max_len=65536 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$t"- "$work/$t" >"$work/$t.log" 2>&1; then
    tail -60 "$work/$t.log"
    echo "fuzz: $t found a problem; its input: $(ls build-fuzz/artifacts/"$t"-* 2>/dev/null | tr '\n' ' ')" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$')
  echo "fuzz: $t: ${runs:-?} inputs ($what), corpus $(ls "$work/$t" | wc -l) files, nothing found"
done
