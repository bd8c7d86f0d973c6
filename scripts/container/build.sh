#!/usr/bin/env bash
# Builds Tally's container image from this checkout: `npm pack` (which builds the JavaScript and
# the dashboard), then deploy/container/Containerfile on that tarball. BASE picks the base image
# (default: the official node:20-bookworm-slim; the test suite passes its Debian-built one).
# Usage: scripts/container/build.sh [tag]   (default localhost/tally:latest)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
tag="${1:-localhost/tally:latest}"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
(cd "$REPO" && npm pack --silent --pack-destination "$ctx" >/dev/null)
cp "$REPO/deploy/container/Containerfile" "$ctx/"
# docker format keeps HEALTHCHECK; the host network lets npm reach the registry during the build;
# runc and explicit ulimits because crun cannot set up cgroups on hosts in cgroup hybrid mode.
podman build --runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  --format docker --network host \
  ${BASE:+--build-arg "BASE=$BASE"} -t "$tag" -f "$ctx/Containerfile" "$ctx"
echo "$tag"
