#!/usr/bin/env bash
# Runs the ClickHouse suites (test/clickhouse/) against real servers: installs Debian's
# ClickHouse when missing, starts the single server and the two-shard cluster, runs the suites,
# and stops the servers it started (TALLY_CH_KEEP=1 keeps them running for the next run).
# Exits non-zero when ClickHouse cannot be installed or started: CI must not pass without it.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"

bash scripts/clickhouse/start.sh
if [ "${TALLY_CH_KEEP:-0}" != "1" ]; then
  trap 'bash scripts/clickhouse/stop.sh' EXIT
fi
npx vitest run --config test/clickhouse/vitest.config.ts "$@"
