#!/usr/bin/env bash
# Installs Debian's ClickHouse (server + client) when it is missing. Idempotent and
# non-interactive, so CI and the test setup can call it unconditionally.
set -euo pipefail

if command -v clickhouse-server >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's policy keeps the system service from starting: we run our own processes.
$SUDO apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null
command -v clickhouse-server >/dev/null
