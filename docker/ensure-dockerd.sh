#!/usr/bin/env bash
# Starts a Docker engine if none answers (as root; Debian's docker.io), for the
# Docker smoke test on a fresh machine. Its log: /tmp/asiohttp-dockerd.log.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
[[ $(id -u) -eq 0 ]] || { echo "ensure-dockerd: no Docker engine, and only root can start one" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "ensure-dockerd: dockerd is missing (docker.io)" >&2; exit 1; }
nohup dockerd >/tmp/asiohttp-dockerd.log 2>&1 &
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "ensure-dockerd: dockerd did not come up; its log:" >&2
tail -20 /tmp/asiohttp-dockerd.log >&2
exit 1
