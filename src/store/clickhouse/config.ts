// Store configuration from the environment (the names the server's config uses).
import type { ClickHouseStoreConfig } from './store.js';

export const CLICKHOUSE_ENV = {
  url: 'TALLY_CLICKHOUSE_URL',
  database: 'TALLY_CLICKHOUSE_DATABASE',
  cluster: 'TALLY_CLICKHOUSE_CLUSTER',
  shards: 'TALLY_CLICKHOUSE_SHARD_URLS',
  replicated: 'TALLY_CLICKHOUSE_REPLICATED',
  claimGraceMs: 'TALLY_CLICKHOUSE_CLAIM_GRACE_MS',
  writers: 'TALLY_CLICKHOUSE_WRITERS',
} as const;

export function clickHouseConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): ClickHouseStoreConfig {
  const url = env[CLICKHOUSE_ENV.url] ?? 'http://127.0.0.1:8123';
  const shards = (env[CLICKHOUSE_ENV.shards] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const grace = env[CLICKHOUSE_ENV.claimGraceMs];
  const cluster = env[CLICKHOUSE_ENV.cluster];
  const writers = env[CLICKHOUSE_ENV.writers] ?? 'single';
  if (writers !== 'single' && writers !== 'shared') {
    throw new Error(`${CLICKHOUSE_ENV.writers} must be single or shared, got ${writers}`);
  }
  return {
    writers,
    url,
    database: env[CLICKHOUSE_ENV.database] ?? 'tally',
    ...(cluster ? { cluster } : {}),
    ...(shards.length ? { shards } : {}),
    replicated: env[CLICKHOUSE_ENV.replicated] === '1' || env[CLICKHOUSE_ENV.replicated] === 'true',
    ...(grace ? { claimGraceMs: Number(grace) } : {}),
  };
}
