// Per-store wiring: the raw engine to compare with, the server's environment, the store's disk use.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './args.js';
import { RawDuckDb } from './raw-duckdb.js';
import type { RawEngine } from './raw-engine.js';

export async function openRawEngine(
  opts: BenchOptions,
  dir: string,
  tag: string,
): Promise<RawEngine> {
  if (opts.store === 'embedded') return RawDuckDb.open(dir);
  const { RawClickHouse } = await import('./raw-clickhouse.js');
  return RawClickHouse.open(opts.clickhouseUrl ?? '', `bench_raw_${tag}`);
}

export function clickhouseDatabase(tag: string): string {
  return `bench_tally_${tag}`;
}

export function serverEnv(
  opts: BenchOptions,
  dataDir: string,
  tag: string,
  adminToken: string,
): Record<string, string> {
  const env: Record<string, string> = {
    TALLY_DATA_DIR: dataDir,
    TALLY_ADMIN_TOKEN: adminToken,
    TALLY_LOG_LEVEL: 'warn',
    // The bench measures the engine, not the per-key limiter.
    TALLY_RATE_LIMIT_RPS: '1000000',
    TALLY_RATE_LIMIT_BURST: '1000000',
    TALLY_STORE: opts.store,
  };
  if (opts.store === 'clickhouse') {
    env.TALLY_CLICKHOUSE_URL = opts.clickhouseUrl ?? '';
    env.TALLY_CLICKHOUSE_DATABASE = clickhouseDatabase(tag);
  }
  return env;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** Bytes the store holds (after a graceful stop for the embedded store: DuckDB checkpoints on close). */
export async function storeDiskBytes(
  opts: BenchOptions,
  dataDir: string,
  tag: string,
): Promise<number> {
  if (opts.store === 'embedded') return dirBytes(dataDir);
  const { clickhouseDatabaseBytes } = await import('./raw-clickhouse.js');
  return clickhouseDatabaseBytes(opts.clickhouseUrl ?? '', clickhouseDatabase(tag));
}

/** Removes what the server stored: the data directory, or the run's ClickHouse database. */
export async function dropStoreData(
  opts: BenchOptions,
  dataDir: string,
  tag: string,
): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (opts.store !== 'clickhouse') return;
  const { dropDatabase } = await import('./raw-clickhouse.js');
  // The run's data should not outlive it on a server others use.
  await dropDatabase(opts.clickhouseUrl ?? '', clickhouseDatabase(tag));
}
