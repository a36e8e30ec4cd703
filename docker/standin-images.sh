#!/usr/bin/env bash
# Makes sure the base images the Dockerfile and compose.yaml name exist locally:
# each is pulled, and only where pulling fails (no registry reachable, as on the
# project's CI machines) a stand-in is built from Debian's packages and tagged
# with the official name. A user with Docker Hub never runs the stand-ins.
#   docker/standin-images.sh            debian:12, debian:12-slim, postgres:15, nginx:stable
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

have() { docker image inspect "$1" >/dev/null 2>&1; }
pulled() { timeout 60 docker pull -q "$1" >/dev/null 2>&1; }

# debian:12 from debootstrap, with the same apt sources as the official image.
if ! have debian:12 && ! pulled debian:12; then
  echo "standin-images: building debian:12 with debootstrap from $mirror"
  command -v debootstrap >/dev/null || { echo "standin-images: debootstrap is missing" >&2; exit 1; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  rm -f "$rootfs/etc/apt/sources.list"
  cat > "$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - debian:12 >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi
# The official slim variant is the same system with documentation removed.
have debian:12-slim || pulled debian:12-slim || docker tag debian:12 debian:12-slim

# PostgreSQL and nginx from Debian's packages, behaving as the official images do
# for what compose.yaml uses (see the Dockerfiles in docker/standins/).
for image in postgres:15 nginx:stable; do
  name=${image%%:*}
  have "$image" || pulled "$image" ||
    { echo "standin-images: building $image from Debian's $name"; docker build -q -t "$image" "$here/standins/$name" >/dev/null; }
done
echo "standin-images: debian:12 debian:12-slim postgres:15 nginx:stable present"
