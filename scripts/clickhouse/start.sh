#!/usr/bin/env bash
# Starts the ClickHouse servers the tests use, as plain processes on 127.0.0.1 only:
#   single  - one server                       (HTTP 18123, TCP 19000)
#   shard1  - first shard of `tally_cluster`   (HTTP 18124, TCP 19001)
#   shard2  - second shard of `tally_cluster`  (HTTP 18125, TCP 19002)
# and the replicated cluster `tally_replicated`: 2 shards x 2 replicas of ReplicatedMergeTree,
# coordinated by one ZooKeeper (zookeeper.sh, client port 12181):
#   s1r1, s1r2 - shard 01, replicas 1 and 2    (HTTP 18126, 18127; TCP 19003, 19004)
#   s2r1, s2r2 - shard 02, replicas 1 and 2    (HTTP 18128, 18129; TCP 19005, 19006)
# The unreplicated servers have no ZooKeeper configured, so they keep testing that Tally needs
# none there. Each gets its own generated config.xml/users.xml and data/tmp/logs under
# $TALLY_CH_DIR (default: <repo>/.tmp/clickhouse). Idempotent: a server that already answers
# `SELECT 1` is reused. Writes the URLs to $TALLY_CH_DIR/env for the tests.
# TALLY_CH_REPLICATED_ONLY=1 starts only ZooKeeper and the replicated cluster (the fault tests run
# their own, so that their kills never reach the servers other suites share).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${TALLY_CH_DIR:-$REPO/.tmp/clickhouse}"
HTTP_BASE="${TALLY_CH_HTTP_BASE:-18123}"
TCP_BASE="${TALLY_CH_TCP_BASE:-19000}"
INTER_BASE="${TALLY_CH_INTERSERVER_BASE:-19100}"
ZK_PORT="${TALLY_ZK_PORT:-12181}"
# How long ZooKeeper keeps a vanished server's session (and so its replicas "active"): the fault
# tests shorten it so that a killed replica is noticed sooner.
ZK_SESSION_MS="${TALLY_ZK_SESSION_TIMEOUT_MS:-30000}"
mkdir -p "$DIR"

# Concurrent callers (several vitest workers) serialise here instead of racing for the ports.
exec 9>"$DIR/.lock"
flock 9

bash "$REPO/scripts/clickhouse/install.sh"

answers() {
  curl -fsS --max-time 2 "http://127.0.0.1:$1/?query=SELECT%201" 2>/dev/null | grep -q '^1$'
}

# The replicated servers' extra config: ZooKeeper, the ON CLUSTER DDL queue, and macros that
# ReplicatedMergeTree paths use ({shard} names the shard's ZooKeeper path, {replica} this copy).
replication_xml() { # shard replica
  cat <<XML
  <zookeeper>
    <node><host>127.0.0.1</host><port>$ZK_PORT</port></node>
    <session_timeout_ms>$ZK_SESSION_MS</session_timeout_ms>
  </zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <macros><shard>$1</shard><replica>$2</replica></macros>
XML
}

replica_xml() { # tcp port
  echo "<replica><host>127.0.0.1</host><port>$1</port></replica>"
}

write_config() { # name http tcp interserver [shard replica]
  local name=$1 http=$2 tcp=$3 inter=$4 home="$DIR/$1" extra
  if [ $# -ge 6 ]; then
    extra="$(replication_xml "$5" "$6")"
  else
    extra="  <macros><shard>$name</shard><replica>$name</replica></macros>"
  fi
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
    <tally_replicated>
      <shard>
        <internal_replication>true</internal_replication>
        $(replica_xml $((TCP_BASE + 3)))
        $(replica_xml $((TCP_BASE + 4)))
      </shard>
      <shard>
        <internal_replication>true</internal_replication>
        $(replica_xml $((TCP_BASE + 5)))
        $(replica_xml $((TCP_BASE + 6)))
      </shard>
    </tally_replicated>
  </remote_servers>
$extra
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

start_one() { # name http tcp interserver [shard replica]
  local name=$1 http=$2 home="$DIR/$1"
  if answers "$http"; then
    echo "clickhouse $name: reusing the server on port $http"
    return 0
  fi
  write_config "$@"
  setsid nohup clickhouse-server --config-file="$home/config.xml" \
    >"$home/log/stdout.log" 2>&1 </dev/null 9>&- &
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

# Name and shard of the replicated servers (the name is also the {replica} macro); server i uses
# base + 3 + i.
REPLICATED=("s1r1 01" "s1r2 01" "s2r1 02" "s2r2 02")

ONLY_REPLICATED="${TALLY_CH_REPLICATED_ONLY:-0}"
if [ "$ONLY_REPLICATED" != "1" ]; then
  start_one single "$HTTP_BASE" "$TCP_BASE" "$INTER_BASE"
  start_one shard1 "$((HTTP_BASE + 1))" "$((TCP_BASE + 1))" "$((INTER_BASE + 1))"
  start_one shard2 "$((HTTP_BASE + 2))" "$((TCP_BASE + 2))" "$((INTER_BASE + 2))"
fi
# ZooKeeper first: a replicated server that starts without it leaves its tables read-only.
TALLY_CH_DIR="$DIR" TALLY_ZK_PORT="$ZK_PORT" bash "$REPO/scripts/clickhouse/zookeeper.sh"
for i in "${!REPLICATED[@]}"; do
  read -r name shard <<<"${REPLICATED[$i]}"
  start_one "$name" "$((HTTP_BASE + 3 + i))" "$((TCP_BASE + 3 + i))" "$((INTER_BASE + 3 + i))" \
    "$shard" "$name"
done
if [ "$ONLY_REPLICATED" != "1" ]; then
  wait_one single "$HTTP_BASE"
  wait_one shard1 "$((HTTP_BASE + 1))"
  wait_one shard2 "$((HTTP_BASE + 2))"
fi
for i in "${!REPLICATED[@]}"; do
  read -r name _ <<<"${REPLICATED[$i]}"
  wait_one "$name" "$((HTTP_BASE + 3 + i))"
done

url() { echo "http://127.0.0.1:$((HTTP_BASE + $1))"; }
# TALLY_CH_REPLICA_URLS: every replicated server, shard by shard (s1r1,s1r2,s2r1,s2r2).
cat >"$DIR/env" <<ENV
TALLY_CH_SINGLE_URL=$(url 0)
TALLY_CH_SHARD_URLS=$(url 1),$(url 2)
TALLY_CH_CLUSTER=tally_cluster
TALLY_CH_REPLICA_URLS=$(url 3),$(url 4),$(url 5),$(url 6)
TALLY_CH_REPLICATED_CLUSTER=tally_replicated
ENV
echo "clickhouse: URLs written to $DIR/env"
