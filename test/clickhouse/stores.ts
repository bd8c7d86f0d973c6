// Store factories for the ClickHouse suites: a single server or the two-shard cluster, each on
// a fresh database that is dropped when the store closes.
import { connect } from '../../src/store/clickhouse/client.js';
import type { WritersMode } from '../../src/store/clickhouse/dedupe.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase, servers } from './servers.js';

export type Topology = 'single' | 'cluster';

/**
 * A store on `topology`. `writers` defaults to the store's own default ('single': the one Tally
 * process, dedupe decided in-process); the multi-process tests pass 'shared'.
 */
export async function openStore(
  topology: Topology,
  database = freshDatabase('tally_test'),
  claimGraceMs = 200,
  writers?: WritersMode,
): Promise<Store> {
  const s = servers();
  const mode = writers ? { writers } : {};
  const store =
    topology === 'single'
      ? await createClickHouseStore({ url: s.singleUrl, database, claimGraceMs, ...mode })
      : await createClickHouseStore({
          url: s.shardUrls[0] ?? '',
          database,
          cluster: s.cluster,
          shards: s.shardUrls,
          claimGraceMs,
          ...mode,
        });
  return store;
}

/** Drops a test database on every node of a topology. */
export async function dropDatabase(topology: Topology, database: string): Promise<void> {
  const s = servers();
  const urls = topology === 'single' ? [s.singleUrl] : s.shardUrls;
  for (const url of urls) {
    const c = connect(url);
    await c.exec(`DROP DATABASE IF EXISTS ${database}`);
    await c.close();
  }
}
