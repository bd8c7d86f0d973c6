// Store factories for the ClickHouse suites: a single server, the two-shard cluster or the 2 x 2
// replicated cluster, each on a fresh database that is dropped when the store closes.
import { connect } from '../../src/store/clickhouse/client.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase, servers } from './servers.js';

export type Topology = 'single' | 'cluster' | 'replicated';

/** A store on `topology`, with the store's default writers mode ('single': the one Tally process). */
export async function openStore(
  topology: Topology,
  database = freshDatabase('tally_test'),
): Promise<Store> {
  const s = servers();
  switch (topology) {
    case 'single':
      return createClickHouseStore({ url: s.singleUrl, database });
    case 'cluster':
      return createClickHouseStore({
        url: s.shardUrls[0] ?? '',
        database,
        cluster: s.cluster,
        shards: s.shardUrls,
      });
    case 'replicated':
      // Configured as docs/clickhouse.md recommends: one node, the cluster name, no shard URLs, so
      // migrations and cleanup mutations go ON CLUSTER through ZooKeeper.
      return createClickHouseStore({
        url: s.replicaUrls[0] ?? '',
        database,
        cluster: s.replicatedCluster,
        replicated: true,
      });
  }
}

/** Every node of a topology (on the replicated cluster: every replica). */
export function nodeUrls(topology: Topology): string[] {
  const s = servers();
  if (topology === 'single') return [s.singleUrl];
  return topology === 'cluster' ? s.shardUrls : s.replicaUrls;
}

/**
 * Drops a test database on every node of a topology. Dropping a replicated table also removes its
 * replica from ZooKeeper, so nothing of the test is left there either.
 */
export async function dropDatabase(topology: Topology, database: string): Promise<void> {
  const urls = nodeUrls(topology);
  for (const url of urls) {
    const c = connect(url);
    await c.exec(`DROP DATABASE IF EXISTS ${database}`);
    await c.close();
  }
}
