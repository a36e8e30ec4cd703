#!/usr/bin/env bash
# The fuzz targets for as long as asked (CI runs them briefly through tests/run-all.sh).
#   bench/fuzz.sh [seconds per target = 600] [target...]
exec "$(dirname "$0")/../tests/fuzz/run.sh" "${1:-600}" "${@:2}"
