// Store configuration from the environment (the names the server's config uses).
import { DEFAULT_SLOTS } from './coordinated-writes.js';
import type { ClickHouseStoreConfig } from './store.js';

export const CLICKHOUSE_ENV = {
  url: 'TALLY_CLICKHOUSE_URL',
  database: 'TALLY_CLICKHOUSE_DATABASE',
  cluster: 'TALLY_CLICKHOUSE_CLUSTER',
  shards: 'TALLY_CLICKHOUSE_SHARD_URLS',
  replicated: 'TALLY_CLICKHOUSE_REPLICATED',
  writers: 'TALLY_CLICKHOUSE_WRITERS',
  zookeeper: 'TALLY_ZOOKEEPER',
  zookeeperSessionMs: 'TALLY_ZOOKEEPER_SESSION_TIMEOUT_MS',
  advertiseUrl: 'TALLY_ADVERTISE_URL',
} as const;

export function clickHouseConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): ClickHouseStoreConfig {
  const url = env[CLICKHOUSE_ENV.url] ?? 'http://127.0.0.1:8123';
  const shards = (env[CLICKHOUSE_ENV.shards] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const cluster = env[CLICKHOUSE_ENV.cluster];
  const writers = env[CLICKHOUSE_ENV.writers] ?? 'single';
  if (writers !== 'single' && writers !== 'coordinated') {
    throw new Error(`${CLICKHOUSE_ENV.writers} must be single or coordinated, got ${writers}`);
  }
  const zookeeper = env[CLICKHOUSE_ENV.zookeeper];
  if (writers === 'coordinated' && !zookeeper) {
    throw new Error(`${CLICKHOUSE_ENV.writers}=coordinated needs ${CLICKHOUSE_ENV.zookeeper}`);
  }
  const coordination =
    writers === 'coordinated' && zookeeper
      ? {
          coordination: {
            zookeeper,
            sessionTimeoutMs: Number(env[CLICKHOUSE_ENV.zookeeperSessionMs] ?? 10_000),
            // Where the other processes reach this one; the port the server listens on by default.
            advertiseUrl:
              env[CLICKHOUSE_ENV.advertiseUrl] ?? `http://127.0.0.1:${env.PORT ?? 8787}`,
            slots: DEFAULT_SLOTS,
          },
        }
      : {};
  return {
    writers,
    ...coordination,
    url,
    database: env[CLICKHOUSE_ENV.database] ?? 'tally',
    ...(cluster ? { cluster } : {}),
    ...(shards.length ? { shards } : {}),
    replicated: env[CLICKHOUSE_ENV.replicated] === '1' || env[CLICKHOUSE_ENV.replicated] === 'true',
  };
}
