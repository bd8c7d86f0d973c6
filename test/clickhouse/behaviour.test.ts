// The shared store behaviour suite against a single ClickHouse server, the two-shard cluster, and
// the 2 x 2 replicated cluster on ZooKeeper (ON CLUSTER migrations, insert_quorum=2).
import { afterAll } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import { runStoreBehaviour } from '../behaviour/store-behaviour.js';
import { freshDatabase, skipClickHouse } from './servers.js';
import { dropDatabase, openStore, type Topology } from './stores.js';

const skip = skipClickHouse();

for (const topology of ['single', 'cluster', 'replicated'] as Topology[]) {
  if (skip) break;
  const databases = new Map<Store, string>();
  runStoreBehaviour(`clickhouse ${topology}`, {
    // ClickHouse 18.16 has no JSON functions: ad-hoc meters over raw events need a current release.
    rawEventQueries: false,
    open: async () => {
      const database = freshDatabase('tally_beh');
      const store = await openStore(topology, database);
      databases.set(store, database);
      return store;
    },
    reopen: async (previous) => {
      const database = databases.get(previous);
      if (!database) throw new Error('reopen of a store this suite did not open');
      await previous.close().catch(() => undefined);
      const store = await openStore(topology, database);
      databases.set(store, database);
      return store;
    },
  });
  afterAll(async () => {
    for (const database of new Set(databases.values())) await dropDatabase(topology, database);
  });
}
