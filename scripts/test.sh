#!/usr/bin/env bash
# The whole test suite: `npm test` runs this, and CI runs `npm test` on a clean clone with CI=true.
# It installs and starts what the tests need (Debian's clickhouse-server, Debian's chromium):
# nothing is skipped for a missing dependency.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "type check"
npx tsc --noEmit
npx tsc -p web/tsconfig.json --noEmit

step "imports point one way (transport -> domain -> store ports <- stores)"
npx depcruise src web/src test bench scripts --config .dependency-cruiser.cjs

step "format and lint"
npx biome check .

step "generated files are up to date"
npx tsx scripts/generate-openapi.ts --check

step "unit, store, API, conformance and compat tests (embedded store)"
npx vitest run

step "ClickHouse: single server, two-shard cluster, replicated cluster on ZooKeeper, chDB"
bash scripts/clickhouse/test.sh

step "release package: npm pack, installed without dev dependencies into an empty folder, served"
command -v systemd-analyze >/dev/null || { apt-get update -qq && apt-get install -y -qq systemd >/dev/null; }
npx tsx scripts/release/check-package.ts

step "container image and compose file (podman, a base made from Debian packages)"
bash scripts/container/test.sh

step "dashboard in headless Chromium"
bash scripts/install-chromium.sh
npx vite build web --logLevel warn
npx vitest run --config web/vitest.config.ts
