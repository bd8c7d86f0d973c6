// A replicated cluster of its own for the fault tests: ZooKeeper plus 2 shards x 2 replicas of
// ClickHouse, started by the project's scripts on ports and in a directory no other suite uses, so
// that killing its processes never disturbs the servers the other ClickHouse suites share.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The replicated servers by the names start.sh gives them (also their {replica} macro). */
export type ReplicaName = 's1r1' | 's1r2' | 's2r1' | 's2r2';
export const REPLICAS: readonly ReplicaName[] = ['s1r1', 's1r2', 's2r1', 's2r2'];

/** Far from the shared servers' defaults (HTTP 18123+, TCP 19000+, 19100+, ZooKeeper 12181). */
const ENV = {
  TALLY_CH_REPLICATED_ONLY: '1',
  TALLY_CH_HTTP_BASE: '28123',
  TALLY_CH_TCP_BASE: '29000',
  TALLY_CH_INTERSERVER_BASE: '29100',
  TALLY_ZK_PORT: '22181',
  // A killed replica stays "active" in ZooKeeper until its session expires; 10 s (instead of the
  // shared servers' 30 s) keeps the replica test short. ZooKeeper's floor is 2 ticks (4 s).
  TALLY_ZK_SESSION_TIMEOUT_MS: '10000',
  TALLY_CH_DIR: join(REPO, '.tmp', 'clickhouse-faults'),
};

/**
 * True when the fault suite should be skipped: outside CI, on a machine without ClickHouse, Java or
 * ZooKeeper (start.sh would install them). Under CI it never skips: a failed start fails the suite.
 */
export function skipFaultCluster(): boolean {
  if (process.env.CI === 'true' || process.env.CI === '1') return false;
  const has = (cmd: string) => {
    try {
      execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const ready =
    has('clickhouse-server') && has('java') && existsSync('/usr/share/java/zookeeper.jar');
  if (!ready) console.warn('fault tests skipped: no clickhouse-server, java or zookeeper here');
  return !ready;
}

export interface FaultCluster {
  /** HTTP URLs by replica name. */
  urls: Record<ReplicaName, string>;
  cluster: string;
}

async function script(name: string, args: string[] = []): Promise<string> {
  const { stdout } = await run('bash', [join(REPO, 'scripts/clickhouse', name), ...args], {
    env: { ...process.env, ...ENV },
    timeout: 180_000,
  });
  return stdout;
}

/** The cluster as startCluster last answered it. */
let started: FaultCluster | undefined;

/**
 * Starts (or reuses) the cluster; idempotent, so it also restarts a server that was killed. It
 * answers once the cluster is whole (see `whole`), so a test never starts on a replica that is up
 * but not yet active again.
 */
export async function startCluster(): Promise<FaultCluster> {
  await script('start.sh');
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(ENV.TALLY_CH_DIR, 'env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  const urls = (env.TALLY_CH_REPLICA_URLS ?? '').split(',');
  if (urls.length !== REPLICAS.length) throw new Error('start.sh wrote no replica URLs');
  started = {
    urls: Object.fromEntries(REPLICAS.map((r, i) => [r, urls[i] ?? ''])) as FaultCluster['urls'],
    cluster: env.TALLY_CH_REPLICATED_CLUSTER ?? 'tally_replicated',
  };
  await whole(started);
  return started;
}

/** Starts ZooKeeper again (after stopZooKeeper), on the same data directory; answers once whole. */
export async function startZooKeeper(): Promise<void> {
  await script('zookeeper.sh');
  if (started) await whole(started);
}

/**
 * Waits until every replicated table on every server is writable with all its replicas active.
 * A restarted 18.16 server answers HTTP before each table has claimed its place in ZooKeeper
 * again: a killed replica's old session holds it until the session expires, and each table
 * retries on its own schedule. Until then a quorum insert into that table answers 285 (too few
 * live replicas), though the tables the last test wrote may already be active (seen in CI).
 */
async function whole(cluster: FaultCluster): Promise<void> {
  const sql = `SELECT count() FROM system.replicas
    WHERE is_readonly OR is_session_expired OR active_replicas < total_replicas FORMAT TabSeparated`;
  await until('every replica of every table to be active', async () => {
    for (const url of Object.values(cluster.urls)) {
      const notActive = await fetch(`${url}/?query=${encodeURIComponent(sql)}`)
        .then(async (res) => (res.ok ? Number((await res.text()).trim()) : Number.NaN))
        .catch(() => Number.NaN);
      if (notActive !== 0) return false;
    }
    return true;
  });
}

export async function stopCluster(): Promise<void> {
  await script('stop.sh');
}

function pidOf(name: ReplicaName | 'zookeeper'): number {
  return Number(readFileSync(join(ENV.TALLY_CH_DIR, name, 'pid'), 'utf8').trim());
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to the process start.sh/zookeeper.sh recorded, then waits until it is gone. */
async function killHard(name: ReplicaName | 'zookeeper'): Promise<void> {
  const pid = pidOf(name);
  process.kill(pid, 'SIGKILL');
  await until(`${name} (pid ${pid}) to exit`, async () => !alive(pid), 10_000);
}

export const killReplica = (name: ReplicaName) => killHard(name);
export const stopZooKeeper = () => killHard('zookeeper');

/**
 * Polls `condition` until it holds. The deadline only turns a hang into a failure; nothing waits
 * for it to pass. It is generous: on a machine loaded by other runs, 18.16's replicas took more
 * than 90 s to catch up after a ZooKeeper restart.
 */
export async function until(
  what: string,
  condition: () => Promise<boolean>,
  deadlineMs = 180_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
