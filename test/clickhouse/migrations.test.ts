// Migrations on an empty database, on a single server and on the two-shard cluster.
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/store/clickhouse/client.js';
import { makeLayout } from '../../src/store/clickhouse/layout.js';
import { MIGRATIONS } from '../../src/store/clickhouse/migrations/index.js';
import { migrate } from '../../src/store/clickhouse/migrations/run.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase, openStore, type Topology } from './stores.js';

const skip = skipClickHouse();
const TABLES = [
  'accounts',
  'api_keys',
  'event_keys',
  'events',
  'meter_gens',
  'meter_rows',
  'meters',
];

describe.skipIf(skip).each(['single', 'cluster'] as Topology[])('migrations (%s)', (topology) => {
  const database = freshDatabase('tally_mig');
  afterAll(() => dropDatabase(topology, database));

  it('create every table on an empty server, record the ledger, and are idempotent', async () => {
    const store = await openStore(topology, database);
    await store.close();
    const s = servers();
    const urls = topology === 'single' ? [s.singleUrl] : s.shardUrls;
    for (const url of urls) {
      const c = connect(url);
      const tables = await c.exec<{ name: string; engine: string }>(
        `SELECT name, engine FROM system.tables WHERE database = '${database}' ORDER BY name`,
      );
      const engines = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
      for (const t of TABLES) {
        if (topology === 'single') {
          expect(engines[t]).toMatch(/MergeTree$/);
        } else {
          expect(engines[t]).toBe('Distributed');
          expect(engines[`${t}_local`]).toMatch(/MergeTree$/);
        }
      }
      const ledger = await c.exec<{ version: number }>(
        `SELECT DISTINCT version FROM ${database}.tally_migrations ORDER BY version`,
      );
      expect(ledger.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      await c.close();
    }
    // A second start (another process, a restart) applies nothing.
    const nodes = urls.map((u) => connect(u));
    const layout = makeLayout(database, topology === 'cluster' ? s.cluster : undefined);
    expect(await migrate(nodes, layout)).toEqual([]);
    // And runs no DDL at all: a restart must not wait for the cluster's DDL queue.
    const statements: string[] = [];
    const watched = nodes.map((n) => ({
      ...n,
      exec: <T>(sql: string) => {
        statements.push(sql);
        return n.exec<T>(sql);
      },
    }));
    expect(await migrate(watched, layout)).toEqual([]);
    expect(statements.filter((sql) => !sql.startsWith('SELECT'))).toEqual([]);
    await Promise.all(nodes.map((n) => n.close()));
  });
});
