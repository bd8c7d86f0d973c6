#!/usr/bin/env bash
# A Debian bookworm base image with this machine's Node.js and npm, made from Debian packages
# (debootstrap) because no image registry is reachable here. It stands in for the official
# node:20-bookworm-slim image the Containerfile names by default. Built once per Node version
# and reused (podman image exists). Prints the image name.
set -euo pipefail
node_version="$(node --version)"
image="localhost/tally-node-base:bookworm-${node_version#v}-2"
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >&2
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
# This machine's trust store, so that npm reaches the registry from a build step the way it does
# here (the official image has Debian's, which is what a machine without a TLS proxy needs).
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
tar -C "$rootfs" -c . | podman import \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$image" >&2
echo "$image"
