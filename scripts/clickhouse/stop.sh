#!/usr/bin/env bash
# Stops the servers start.sh started (by their recorded pids only): the ClickHouse servers first,
# then ZooKeeper, which the replicated ones use until they exit. `--clean` also removes their data
# directory.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${TALLY_CH_DIR:-$REPO/.tmp/clickhouse}"

for name in single shard1 shard2 s1r1 s1r2 s2r1 s2r2 zookeeper; do
  pidfile="$DIR/$name/pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null || true
    fi
    echo "$name: stopped"
  fi
  rm -f "$pidfile"
done
rm -f "$DIR/env"

if [ "${1:-}" = "--clean" ]; then
  rm -rf "$DIR"
fi
