#!/usr/bin/env bash
# Starts the one ZooKeeper the replicated test cluster (`tally_replicated`) coordinates through,
# as a plain process on 127.0.0.1 only: client port $TALLY_ZK_PORT (default 12181), no admin HTTP
# server, data under $TALLY_CH_DIR/zookeeper. Installs Debian's `zookeeper` (3.8, on the OpenJDK the
# package pulls in) when it is missing, and fails when it cannot: CI must not pass without it.
# Idempotent: a ZooKeeper that serves on the port is reused. start.sh calls this.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${TALLY_CH_DIR:-$REPO/.tmp/clickhouse}"
PORT="${TALLY_ZK_PORT:-12181}"
HOME_DIR="$DIR/zookeeper"
JAR=/usr/share/java/zookeeper.jar
mkdir -p "$HOME_DIR/data" "$HOME_DIR/log"

# Its own lock (not start.sh's, which the caller holds): two callers never start two servers.
exec 8>"$DIR/.zookeeper.lock"
flock 8

if [ ! -f "$JAR" ] || ! command -v java >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's policy keeps the system service from starting: we run our own process.
  $SUDO apt-get install -y -qq --no-install-recommends zookeeper >/dev/null
  [ -f "$JAR" ]
fi

# The four-letter `srvr` over bash's /dev/tcp (no nc or ZooKeeper client needed). Not `ruok`: that
# answers `imok` before the server accepts sessions, `srvr` reports a Mode only once it serves.
answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf srvr >&3 && cat <&3" 2>/dev/null |
    grep -q '^Mode: '
}

if answers; then
  echo "zookeeper: reusing the server on port $PORT"
  exit 0
fi

cat >"$HOME_DIR/zoo.cfg" <<CFG
tickTime=2000
dataDir=$HOME_DIR/data
clientPort=$PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,mntr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
CFG

# slf4j-simple (from libslf4j-java, a dependency of the package) sends warnings to stderr, i.e.
# to the log file; without a binding ZooKeeper would log nothing at all. The JVM keeps inherited
# descriptors open, so the lock files' (8 here, 9 in start.sh) are closed for it: held by the
# server, they would block every later start.
setsid nohup java -Xms32m -Xmx256m \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dzookeeper.jmx.log4j.disable=true \
  -cp "$JAR:/usr/share/java/slf4j-simple.jar" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$HOME_DIR/zoo.cfg" \
  >"$HOME_DIR/log/server.log" 2>&1 </dev/null 8>&- 9>&- &
echo $! >"$HOME_DIR/pid"

for _ in $(seq 1 300); do
  if answers; then
    echo "zookeeper: ready on 127.0.0.1:$PORT"
    exit 0
  fi
  if ! kill -0 "$(cat "$HOME_DIR/pid")" 2>/dev/null; then
    echo "zookeeper: the server exited; last log lines:" >&2
    tail -n 30 "$HOME_DIR/log/server.log" >&2 || true
    exit 1
  fi
  sleep 0.1
done
echo "zookeeper: no answer on port $PORT after 30 s" >&2
exit 1
