// Store factories for the ClickHouse suites: a single server or the two-shard cluster, each on
// a fresh database that is dropped when the store closes.
import { connect } from '../../src/store/clickhouse/client.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase, servers } from './servers.js';

export type Topology = 'single' | 'cluster';

export async function openStore(
  topology: Topology,
  database = freshDatabase('tally_test'),
  claimGraceMs = 200,
): Promise<Store> {
  const s = servers();
  const store =
    topology === 'single'
      ? await createClickHouseStore({ url: s.singleUrl, database, claimGraceMs })
      : await createClickHouseStore({
          url: s.shardUrls[0] ?? '',
          database,
          cluster: s.cluster,
          shards: s.shardUrls,
          claimGraceMs,
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
