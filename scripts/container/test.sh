#!/usr/bin/env bash
# The container test, run by `npm test`: builds the image from this checkout on a base made from
# Debian packages, runs it with a data volume, and checks that it serves the API and dashboard as
# a non-root user, that its health check passes, that data survives a new container on the same
# volume, and that the compose file starts it. Exits non-zero on any failure.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
export CONTAINERS_CONF="$REPO/scripts/container/containers.conf"

bash scripts/container/install.sh
BASE="$(bash scripts/container/base-image.sh | tail -n 1)"
export BASE
tag="localhost/tally:test-$$"
name="tally-test-$$"
volume="tally-test-data-$$"
project="tally-compose-$$"
cleanup() {
  podman rm -f "$name" "$name-2" >/dev/null 2>&1 || true
  (cd deploy/compose && TALLY_IMAGE="$tag" TALLY_PORT="${compose_port:-0}" \
    podman-compose -p "$project" down -v >/dev/null 2>&1) || true
  podman volume rm -f "$volume" "${project}_tally-data" >/dev/null 2>&1 || true
  podman rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bash scripts/container/build.sh "$tag"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
podman volume create "$volume" >/dev/null

start() { # container name
  podman run -d --name "$1" --network host -e PORT="$port" -e HOST=127.0.0.1 \
    -v "$volume:/data" "$tag" >/dev/null
}
start "$name"
npx tsx scripts/container/check-running.ts "http://127.0.0.1:$port" "$name" first
podman healthcheck run "$name"
echo "  ok  the image's health check passes"
podman stop -t 20 "$name" >/dev/null
podman rm "$name" >/dev/null
start "$name-2"
npx tsx scripts/container/check-running.ts "http://127.0.0.1:$port" "$name-2" again
podman stop -t 20 "$name-2" >/dev/null

compose_port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
(cd deploy/compose && TALLY_IMAGE="$tag" TALLY_PORT="$compose_port" podman-compose -p "$project" up -d >/dev/null)
npx tsx scripts/container/check-running.ts "http://127.0.0.1:$compose_port" "tally" first
echo "container: image $(podman image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'), all checks passed"
