#!/usr/bin/env bash
# Installs what the container test needs from Debian's packages: podman and buildah to build and
# run the image, runc (the runtime that works where crun cannot set up cgroups), debootstrap for
# the base image, podman-compose for the compose file. Exits non-zero when they cannot be had.
set -euo pipefail
need=()
for tool in podman buildah runc debootstrap podman-compose; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
