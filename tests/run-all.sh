#!/usr/bin/env bash
# Every test: installs what is missing (PostgreSQL and Docker included), builds
# the whole project once with AddressSanitizer and UBSan, runs every test against
# that build and a throwaway PostgreSQL on 127.0.0.1 (tests/sanitizers.sh asan),
# the fuzz targets on 100,000 inputs each, then the Docker smoke test (image,
# compose stack through nginx, docker stop timings).
# Exit status: 0 only if every test ran and passed.
set -euo pipefail
cd "$(dirname "$0")/.."
docker/install-deps.sh build test docker fuzz
# ccache hits from another checkout of the tree (CI clones into a folder of its own).
export CCACHE_BASEDIR="$PWD"

# Each test checks memory and undefined behaviour too: a use-after-free that
# crashes one run in ten fails every run here.
tests/sanitizers.sh asan

# Each libFuzzer target briefly from its seeds, the same inputs every run
# (bench/fuzz.sh runs them for long, from random seeds).
FUZZ_RUNS=100000 tests/fuzz/run.sh

docker/ensure-dockerd.sh
docker/smoke-test.sh
