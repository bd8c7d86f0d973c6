import type { Config } from '../config/config.js';
import { clickHouseConfigFromEnv } from './clickhouse/config.js';
import { createClickHouseStore } from './clickhouse/store.js';
import { DuckDbStore } from './embedded/duckdb-store.js';
import type { IngestLogObserver } from './embedded/ingest-log-events.js';
import type { Store } from './ports.js';

/** Opens the store the configuration selects (ClickHouse settings: see docs/clickhouse.md). */
export async function openStore(
  config: Config,
  env: Record<string, string | undefined> = process.env,
  ingestLogObserver?: IngestLogObserver,
): Promise<Store> {
  if (config.TALLY_STORE === 'clickhouse')
    return createClickHouseStore(clickHouseConfigFromEnv(env));
  return DuckDbStore.open({
    dataDir: config.TALLY_DATA_DIR,
    threads: config.TALLY_DUCKDB_THREADS,
    memoryLimit: config.TALLY_DUCKDB_MEMORY_LIMIT,
    checkpointThreshold: config.TALLY_DUCKDB_CHECKPOINT_THRESHOLD,
    rollups: config.TALLY_ROLLUPS === 'on',
    compaction: { subjectMinDayRows: config.TALLY_ROLLUP_SUBJECT_MIN_DAY_ROWS },
    dedupeBudgetBytes: config.TALLY_DEDUPE_MEMORY_MB * 1024 * 1024,
    ingestLog: {
      onDamage: config.TALLY_INGEST_LOG_ON_DAMAGE,
      ...(ingestLogObserver ? { observer: ingestLogObserver } : {}),
    },
  });
}
