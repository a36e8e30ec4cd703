#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the demo server
# (echo, chat, notes) on $PORT (default 8080). Extra arguments go to the server,
# e.g. apps/run-demo.sh --threads 4. No database is needed: notes live in memory
# unless DATABASE_URL names a PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
docker/install-deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target asiohttp-demo
exec build/apps/demo/asiohttp-demo --config config/demo.ini "$@"
