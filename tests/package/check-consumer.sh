#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds the README's hello world
# against it with find_package(asiohttp), where libpqxx's headers and pkg-config
# file cannot be seen: a consumer that does not ask for the pg component must not
# need libpqxx. Where libpqxx is installed, a private mount namespace (root)
# hides it.
#   tests/package/check-consumer.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
consumer() {
  cmake -S "$here/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
        -DHELLO_SOURCE="$here/../../apps/hello/main.cpp" >"$work/log" 2>&1 &&
    cmake --build "$work/build" >>"$work/log" 2>&1
}
if pc_dir=$(pkg-config --variable=pcfiledir libpqxx 2>/dev/null) && [[ -n $pc_dir && -d /usr/include/pqxx ]]; then
  # libpqxx is installed: hide it, as on a machine without libpqxx-dev.
  [[ $(id -u) -eq 0 ]] || { echo "check-consumer: needs root to hide libpqxx in a mount namespace" >&2; exit 1; }
  export -f consumer; export here work
  unshare -m bash -euo pipefail -c '
    mount -t tmpfs none /usr/include/pqxx; mount -t tmpfs none "$1"
    if pkg-config --exists libpqxx; then echo "check-consumer: libpqxx still visible" >&2; exit 1; fi
    consumer' hide "$pc_dir" || { cat "$work/log" >&2; exit 1; }
else
  consumer || { cat "$work/log" >&2; exit 1; }
fi
[[ -x $work/build/hello ]]
echo "check-consumer: hello world built against the installed package without libpqxx"

# The installed demo finds its chat page beside itself, not in the source tree.
if [[ -x $work/prefix/bin/asiohttp-demo ]]; then
  "$work/prefix/bin/asiohttp-demo" --help | tr -s ' \n' '  ' | grep -qF -- "(default $work/prefix/share/asiohttp/static;" ||
    { echo "check-consumer: the installed demo does not default to its installed static files" >&2; exit 1; }
  echo "check-consumer: the installed demo defaults to its installed static files"
fi
