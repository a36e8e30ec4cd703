#!/usr/bin/env bash
# Installs, from Debian's archive, whatever the named groups need and is missing.
# The one list of packages: used by the Dockerfile, the demo command and the test command.
#   docker/install-deps.sh build           compilers and libraries
#   docker/install-deps.sh build test      + what the tests run against (PostgreSQL, chromium, node)
#   docker/install-deps.sh docker          the Docker engine, compose and debootstrap (docker/smoke-test.sh)
#   docker/install-deps.sh bench           + the load generator and the peers we compare with
#   docker/install-deps.sh fuzz            clang and libFuzzer (tests/fuzz/run.sh)
set -euo pipefail

declare -A groups=(
  [build]="g++ cmake ninja-build ccache pkg-config libboost1.81-all-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libpqxx-dev libgtest-dev zlib1g-dev libbrotli-dev libzstd-dev"
  [test]="postgresql curl zstd openssl libnss3-tools procps chromium nodejs npm nginx-light"
  [runtime]="libssl3 zlib1g libbrotli1 libzstd1 libspdlog1.10 libfmt9 libpqxx-6.4 libboost-program-options1.81.0 ca-certificates"
  [docker]="docker.io docker-compose debootstrap iptables jq curl nodejs npm"
  [fuzz]="clang-15 libfuzzer-15-dev"
  [bench]="wrk curl nginx openssl python3-aiohttp python3-asyncpg nodejs util-linux procps postgresql jq heaptrack valgrind"
)

wanted=()
for group in "$@"; do
  [[ -n "${groups[$group]:-}" ]] || { echo "install-deps: unknown group '$group'" >&2; exit 2; }
  read -ra pkgs <<< "${groups[$group]}"
  wanted+=("${pkgs[@]}")
done

# Node and npm count as present when their commands are, whichever package brought them.
declare -A by_command=([nodejs]=node [npm]=npm)
missing=()
for pkg in "${wanted[@]}"; do
  if [[ -n "${by_command[$pkg]:-}" ]] && command -v "${by_command[$pkg]}" >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
