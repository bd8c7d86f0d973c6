import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreBehaviour } from '../../src/store/behaviour/store-behaviour.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const dirs = new WeakMap<object, string>();

runStoreBehaviour('embedded DuckDB', {
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-store-'));
    const store = await DuckDbStore.open({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  reopen: async (previous) => {
    const dir = dirs.get(previous);
    if (!dir) throw new Error('unknown store');
    await previous.close();
    const store = await DuckDbStore.open({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
});
