#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds the README's hello world
# against it with find_package(asiohttp), where libpqxx's headers and pkg-config
# file cannot be seen: a consumer that does not ask for the pg component must not
# need libpqxx. Needs root for the private mount namespace that hides them.
#   tests/package/check-consumer.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[[ $(id -u) -eq 0 ]] || { echo "check-consumer: needs root to hide libpqxx in a mount namespace" >&2; exit 1; }
pqxx_headers=/usr/include/pqxx
pqxx_pc_dir=$(pkg-config --variable=pcfiledir libpqxx)
[[ -d $pqxx_headers && -n $pqxx_pc_dir ]] || { echo "check-consumer: libpqxx is not installed here to hide" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
unshare -m bash -euo pipefail -c '
  mount -t tmpfs none "$1"; mount -t tmpfs none "$2"
  ! pkg-config --exists libpqxx && [[ ! -e "$1/pqxx" ]]
  cmake -S "$3/consumer" -B "$4/build" -DCMAKE_PREFIX_PATH="$4/prefix" -DHELLO_SOURCE="$3/../../apps/hello/main.cpp" >"$4/log" 2>&1
  cmake --build "$4/build" >>"$4/log" 2>&1
' hide "$pqxx_headers" "$pqxx_pc_dir" "$here" "$work" || { cat "$work/log" >&2 2>/dev/null; exit 1; }
[[ -x $work/build/hello ]]
echo "check-consumer: hello world built against the installed package without libpqxx"
