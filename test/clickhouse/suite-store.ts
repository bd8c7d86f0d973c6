// The store a describe block's tests share: opened on a fresh database before them, closed and
// its database dropped after them.
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase } from './servers.js';
import { dropDatabase, openStore, type Topology } from './stores.js';

/** Registers the hooks; `store()` is usable inside tests (the store exists once beforeAll ran). */
export function suiteStore(
  topology: Topology,
  prefix: string,
): { database: string; store: () => Store } {
  const database = freshDatabase(prefix);
  let opened: Store | undefined;
  beforeAll(async () => {
    opened = await openStore(topology, database);
  });
  afterAll(async () => {
    await opened?.close();
    await dropDatabase(topology, database);
  });
  return {
    database,
    store: () => {
      if (!opened) throw new Error('the suite store is opened in beforeAll');
      return opened;
    },
  };
}
