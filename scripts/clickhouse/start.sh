#!/usr/bin/env bash
# Starts the ClickHouse servers the tests use, as plain processes on 127.0.0.1 only:
#   single  - one server                       (HTTP 18123, TCP 19000)
#   shard1  - first shard of `tally_cluster`   (HTTP 18124, TCP 19001)
#   shard2  - second shard of `tally_cluster`  (HTTP 18125, TCP 19002)
# Each gets its own generated config.xml/users.xml and data/tmp/logs under
# $TALLY_CH_DIR (default: <repo>/.tmp/clickhouse). Idempotent: a server that already answers
# `SELECT 1` is reused. Writes the URLs to $TALLY_CH_DIR/env for the tests.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${TALLY_CH_DIR:-$REPO/.tmp/clickhouse}"
HTTP_BASE="${TALLY_CH_HTTP_BASE:-18123}"
TCP_BASE="${TALLY_CH_TCP_BASE:-19000}"
INTER_BASE="${TALLY_CH_INTERSERVER_BASE:-19100}"
mkdir -p "$DIR"

# Concurrent callers (several vitest workers) serialise here instead of racing for the ports.
exec 9>"$DIR/.lock"
flock 9

bash "$REPO/scripts/clickhouse/install.sh"

answers() {
  curl -fsS --max-time 2 "http://127.0.0.1:$1/?query=SELECT%201" 2>/dev/null | grep -q '^1$'
}

write_config() { # name http tcp interserver
  local name=$1 http=$2 tcp=$3 inter=$4 home="$DIR/$1"
  mkdir -p "$home/data" "$home/tmp" "$home/user_files" "$home/log"
  cat >"$home/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$home/log/server.log</log>
    <errorlog>$home/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>$inter</interserver_http_port>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$home/data/</path>
  <tmp_path>$home/tmp/</tmp_path>
  <user_files_path>$home/user_files/</user_files_path>
  <format_schema_path>$home/format_schemas/</format_schema_path>
  <users_config>$home/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <tally_cluster>
      <shard>
        <replica><host>127.0.0.1</host><port>$((TCP_BASE + 1))</port></replica>
      </shard>
      <shard>
        <replica><host>127.0.0.1</host><port>$((TCP_BASE + 2))</port></replica>
      </shard>
    </tally_cluster>
  </remote_servers>
  <macros><shard>$name</shard><replica>$name</replica></macros>
</yandex>
XML
  cat >"$home/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>in_order</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
XML
}

start_one() { # name http tcp interserver
  local name=$1 http=$2 home="$DIR/$1"
  if answers "$http"; then
    echo "clickhouse $name: reusing the server on port $http"
    return 0
  fi
  write_config "$@"
  setsid nohup clickhouse-server --config-file="$home/config.xml" \
    >"$home/log/stdout.log" 2>&1 </dev/null &
  echo $! >"$home/pid"
}

wait_one() { # name http
  local name=$1 http=$2 home="$DIR/$1"
  for _ in $(seq 1 300); do
    if answers "$http"; then
      echo "clickhouse $name: ready on http://127.0.0.1:$http"
      return 0
    fi
    if [ -f "$home/pid" ] && ! kill -0 "$(cat "$home/pid")" 2>/dev/null; then
      echo "clickhouse $name: the server exited; last log lines:" >&2
      tail -n 30 "$home/log/server.err.log" "$home/log/stdout.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  echo "clickhouse $name: no answer on port $http after 30 s" >&2
  return 1
}

start_one single "$HTTP_BASE" "$TCP_BASE" "$INTER_BASE"
start_one shard1 "$((HTTP_BASE + 1))" "$((TCP_BASE + 1))" "$((INTER_BASE + 1))"
start_one shard2 "$((HTTP_BASE + 2))" "$((TCP_BASE + 2))" "$((INTER_BASE + 2))"
wait_one single "$HTTP_BASE"
wait_one shard1 "$((HTTP_BASE + 1))"
wait_one shard2 "$((HTTP_BASE + 2))"

cat >"$DIR/env" <<ENV
TALLY_CH_SINGLE_URL=http://127.0.0.1:$HTTP_BASE
TALLY_CH_SHARD_URLS=http://127.0.0.1:$((HTTP_BASE + 1)),http://127.0.0.1:$((HTTP_BASE + 2))
TALLY_CH_CLUSTER=tally_cluster
ENV
echo "clickhouse: URLs written to $DIR/env"
