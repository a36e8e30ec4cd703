#!/usr/bin/env bash
# Every test: installs what is missing (PostgreSQL and Docker included), starts a
# throwaway PostgreSQL on 127.0.0.1, builds, runs the whole suite with ctest, the
# fuzz targets on 100,000 inputs each, then the Docker smoke test (image, compose
# stack through nginx, docker stop timings).
# Exit status: 0 only if every test ran and passed.
set -euo pipefail
cd "$(dirname "$0")/.."
docker/install-deps.sh build test docker fuzz

source tests/pg/throwaway-postgres.sh
# Tests that need the database must run: no server is a failure, not a skip.
start_throwaway_postgres || { echo "run-all: could not start PostgreSQL; failing" >&2; exit 1; }

# The browser tests' one npm package (playwright-core; the browser is Debian's chromium).
npm ci --prefix tests/browser --no-audit --no-fund --silent

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DASIOHTTP_BUILD_BENCH=ON
cmake --build build
ctest --test-dir build --output-on-failure -j4 --timeout 300

# Each libFuzzer target briefly from its seeds, the same inputs every run
# (bench/fuzz.sh runs them for long, from random seeds).
FUZZ_RUNS=100000 tests/fuzz/run.sh

docker/ensure-dockerd.sh
docker/smoke-test.sh
