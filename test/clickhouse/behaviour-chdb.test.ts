// The shared store behaviour suite against a current ClickHouse release: the same store, through
// the same @clickhouse/client, on in-process chDB (npm `chdb`, ClickHouse 26.x) instead of HTTP to
// Debian's 18.16. Together with behaviour.test.ts this runs every statement the store generates on
// both versions. chDB has no server, so there is no cluster variant here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConnectionFactory,
  connect,
  type InjectedConnection,
} from '../../src/store/clickhouse/client.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import type { Store } from '../../src/store/ports.js';
import { runStoreBehaviour } from '../behaviour/store-behaviour.js';
import { freshDatabase } from './servers.js';

// One data directory per test process: chDB binds a single directory per process, and an on-disk
// one (unlike ':memory:') survives the store's close, which `reopen` needs.
const dir = mkdtempSync(join(tmpdir(), 'tally-chdb-'));
// chdb declares its connection against its own copy of @clickhouse/client-common (1.22), while
// @clickhouse/client 1.23 bundles a newer copy of the same contract; the two settings types differ
// only in settings the store never sends, so the factory is typed through `unknown` once, here.
const connection: ConnectionFactory = () =>
  createChdbConnection({ path: dir }) as unknown as InjectedConnection;

describe('chdb engine', () => {
  it('is a current ClickHouse release, not 18.16', async () => {
    const c = connect('chdb:', undefined, connection);
    const [row] = await c.exec<{ v: string }>('SELECT version() AS v');
    expect(Number(row?.v.split('.')[0])).toBeGreaterThanOrEqual(24);
    await c.close();
  });
});

async function open(database: string): Promise<Store> {
  return createClickHouseStore({ url: 'chdb:', database, connection });
}

const databases = new Map<Store, string>();
runStoreBehaviour('clickhouse on chdb (current release)', {
  open: async () => {
    const database = freshDatabase('tally_chdb');
    const store = await open(database);
    databases.set(store, database);
    return store;
  },
  reopen: async (previous) => {
    const database = databases.get(previous);
    if (!database) throw new Error('reopen of a store this suite did not open');
    await previous.close().catch(() => undefined);
    const store = await open(database);
    databases.set(store, database);
    return store;
  },
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
