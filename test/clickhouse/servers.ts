// Test access to the ClickHouse servers of scripts/clickhouse/start.sh (single, two-shard cluster,
// and the 2 x 2 replicated cluster with its ZooKeeper). `clickHouseServers()`
// runs install.sh + start.sh once per worker (they are idempotent and lock against each other)
// and returns the URLs. Without ClickHouse the suites are skipped locally, but under CI=true they
// fail: a CI run must never pass by not testing ClickHouse.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ClickHouseServers {
  singleUrl: string;
  shardUrls: string[];
  cluster: string;
  /** The replicated cluster's servers, shard by shard: s1r1, s1r2, s2r1, s2r2. */
  replicaUrls: string[];
  replicatedCluster: string;
}

let cached: ClickHouseServers | Error | undefined;

function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

function start(): ClickHouseServers {
  const e = process.env;
  if (e.TALLY_CH_SINGLE_URL && e.TALLY_CH_SHARD_URLS && e.TALLY_CH_REPLICA_URLS) {
    return {
      singleUrl: e.TALLY_CH_SINGLE_URL,
      shardUrls: e.TALLY_CH_SHARD_URLS.split(','),
      cluster: e.TALLY_CH_CLUSTER ?? 'tally_cluster',
      replicaUrls: e.TALLY_CH_REPLICA_URLS.split(','),
      replicatedCluster: e.TALLY_CH_REPLICATED_CLUSTER ?? 'tally_replicated',
    };
  }
  const dir = process.env.TALLY_CH_DIR ?? join(REPO, '.tmp', 'clickhouse');
  execFileSync('bash', [join(REPO, 'scripts/clickhouse/start.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  const envPath = join(dir, 'env');
  if (!existsSync(envPath)) throw new Error(`start.sh did not write ${envPath}`);
  const env = readEnvFile(envPath);
  const single = env.TALLY_CH_SINGLE_URL;
  const shards = env.TALLY_CH_SHARD_URLS;
  const replicas = env.TALLY_CH_REPLICA_URLS;
  if (!single || !shards || !replicas) throw new Error(`incomplete ${envPath}`);
  return {
    singleUrl: single,
    shardUrls: shards.split(','),
    cluster: env.TALLY_CH_CLUSTER ?? '',
    replicaUrls: replicas.split(','),
    replicatedCluster: env.TALLY_CH_REPLICATED_CLUSTER ?? '',
  };
}

/** The servers, or an Error when they cannot be started. */
export function clickHouseServers(): ClickHouseServers | Error {
  if (cached === undefined) {
    try {
      cached = start();
    } catch (err) {
      cached = err instanceof Error ? err : new Error(String(err));
    }
  }
  return cached;
}

/** True when suites should be skipped (no ClickHouse, not in CI). In CI, throws instead. */
export function skipClickHouse(): boolean {
  const s = clickHouseServers();
  if (!(s instanceof Error)) return false;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`ClickHouse is required in CI but could not be started: ${s.message}`);
  }
  console.warn(`ClickHouse tests skipped: ${s.message}`);
  return true;
}

/** Servers that must exist (call only inside suites guarded by skipClickHouse()). */
export function servers(): ClickHouseServers {
  const s = clickHouseServers();
  if (s instanceof Error) throw s;
  return s;
}

/** A fresh database name, so test files and runs never see each other's data. */
export function freshDatabase(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
