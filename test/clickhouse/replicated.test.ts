// The replicated cluster (2 shards x 2 replicas on ZooKeeper): ON CLUSTER migrations reach every
// replica, a retried insert of the same block is stored once (replicated block dedupe), rows
// written on one replica are read on the other, and acknowledged appends are on two replicas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/ingest/stored-event.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { insertSettings, makeLayout } from '../../src/store/clickhouse/layout.js';
import { MIGRATIONS } from '../../src/store/clickhouse/migrations/index.js';
import { migrate } from '../../src/store/clickhouse/migrations/run.js';
import { EVENT_COLUMNS, eventTsv } from '../../src/store/clickhouse/rows.js';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase, openStore } from './stores.js';

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
// Enough accounts that cityHash64(account_id) sends some to each shard (checked below).
const ACCOUNTS = ['acct-a', 'acct-b', 'acct-c', 'acct-d', 'acct-e', 'acct-f'];
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function event(account: string, id: string, i: number): StoredEvent {
  return {
    accountId: account,
    id,
    source: 'replicated-test',
    type: 'api_call',
    subject: `user-${i % 3}`,
    time: T0 + i * 1000,
    ingestedAt: T0 + 60_000,
    data: JSON.stringify({ tokens: i }),
  };
}

/** `perAccount` events for every account, ids unique within the test. */
function events(prefix: string, perAccount: number): StoredEvent[] {
  return ACCOUNTS.flatMap((a) =>
    Array.from({ length: perAccount }, (_, i) => event(a, `${prefix}-${a}-${i}`, i)),
  );
}

/** Every stored event of `ids`' accounts, through the store's own listing, as "account/id". */
async function listed(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const accountId of ACCOUNTS) {
    const page = await store.listEvents({ accountId, limit: 10_000 });
    out.push(...page.map((e) => `${e.accountId}/${e.id}`));
  }
  return out.sort();
}

describe.skipIf(skip)('replicated cluster (2 shards x 2 replicas, ZooKeeper)', () => {
  const database = freshDatabase('tally_repl');
  let store: Store;
  // Replicas shard by shard: [[s1r1, s1r2], [s2r1, s2r2]].
  let shards: ChConnection[][];

  beforeAll(async () => {
    store = await openStore('replicated', database);
    const urls = servers().replicaUrls;
    expect(urls).toHaveLength(4);
    shards = [
      [connect(urls[0] ?? ''), connect(urls[1] ?? '')],
      [connect(urls[2] ?? ''), connect(urls[3] ?? '')],
    ];
  });
  afterAll(async () => {
    await store?.close();
    await Promise.all((shards ?? []).flat().map((c) => c.close()));
    await dropDatabase('replicated', database);
  });

  /** "account/id" of every row in `table`_local on one replica, read directly. */
  async function localIds(node: ChConnection, table: 'events'): Promise<string[]> {
    const rows = await node.exec<{ a: string; i: string }>(
      `SELECT account_id AS a, id AS i FROM ${database}.${table}_local ORDER BY a, i`,
    );
    return rows.map((r) => `${r.a}/${r.i}`);
  }

  async function syncReplicas(table: string): Promise<void> {
    for (const node of shards.flat()) await node.exec(`SYSTEM SYNC REPLICA ${database}.${table}`);
  }

  it('migrations create every table on every replica ON CLUSTER, with one shared ledger', async () => {
    await syncReplicas('tally_migrations');
    for (const [s, replicas] of shards.entries()) {
      for (const node of replicas) {
        const tables = await node.exec<{ name: string; engine: string }>(
          `SELECT name, engine FROM system.tables WHERE database = '${database}'`,
        );
        const engines = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
        for (const t of TABLES) {
          expect(engines[t]).toBe('Distributed');
          expect(engines[`${t}_local`]).toMatch(
            /^ReplicatedMergeTree$|^ReplicatedReplacingMergeTree$/,
          );
        }
        // Both replicas of a shard share one ZooKeeper path per table; shards have their own.
        const [path] = await node.exec<{ zookeeper_path: string }>(
          `SELECT zookeeper_path FROM system.replicas WHERE database = '${database}' AND table = 'events_local'`,
        );
        expect(path?.zookeeper_path).toBe(`/clickhouse/tables/0${s + 1}/${database}/events_local`);
        const ledger = await node.exec<{ version: number }>(
          `SELECT DISTINCT version FROM ${database}.tally_migrations ORDER BY version`,
        );
        expect(ledger.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      }
    }
    // A process that talks to another node (the last replica) finds them all applied.
    const other = connect(servers().replicaUrls[3] ?? '');
    const layout = makeLayout(database, servers().replicatedCluster, true);
    expect(await migrate([other], layout)).toEqual([]);
    await other.close();
  });

  it('an insert retried with the same block is stored once (replicated block dedupe)', async () => {
    const layout = makeLayout(database, servers().replicatedCluster, true);
    const batch = events('retry', 5);
    const body = batch.map(eventTsv).join('');
    const conn = connect(servers().replicaUrls[0] ?? '', database);
    // What the writer sends, sent three times: a lost acknowledgement retried twice.
    for (let i = 0; i < 3; i++) {
      await conn.insertTsv('events', EVENT_COLUMNS, body, insertSettings(layout));
    }
    await conn.close();
    const expected = batch.map((e) => `${e.accountId}/${e.id}`).sort();
    expect(await listed(store)).toEqual(expected);
    expect((await store.stats()).events).toBe(batch.length);
  });

  it('an acknowledged append is on both replicas of its shard at once (insert_quorum=2)', async () => {
    const batch = events('quorum', 4);
    const result = await store.append(batch.map((e) => ({ event: e, rows: [] })));
    expect(result.duplicates).toEqual([]);
    // No SYNC REPLICA here: the quorum made the acknowledgement wait for the second replica.
    const perShard: string[][] = [];
    for (const [s, [a, b]] of shards.entries() as IterableIterator<[number, ChConnection[]]>) {
      const onA = await localIds(a as ChConnection, 'events');
      expect(await localIds(b as ChConnection, 'events')).toEqual(onA);
      perShard.push(onA.filter((id) => id.includes('/quorum-')));
      // The store's own quorum inserts left their mark: only the store writes event_keys, and
      // ZooKeeper records the last part that reached its quorum (empty when none ever did).
      const [mark] = await (a as ChConnection).exec<{ value: string }>(
        `SELECT value FROM system.zookeeper WHERE path = '/clickhouse/tables/0${s + 1}/${database}/event_keys_local/quorum' AND name = 'last_part'`,
      );
      expect(mark?.value).toMatch(/all_\d+_\d+_\d+/);
    }
    // Both shards got some of the batch, and together exactly the batch.
    expect(perShard.every((ids) => ids.length > 0)).toBe(true);
    expect(perShard.flat().sort()).toEqual(batch.map((e) => `${e.accountId}/${e.id}`).sort());
  });

  it('rows written on one replica are read on the other', async () => {
    const written = event('acct-a', 'direct-1', 7);
    // Straight into the second replica of the second shard, not through Distributed.
    const [first, second] = shards[1] as ChConnection[];
    await (second as ChConnection).insertTsv(
      `${database}.events_local`,
      EVENT_COLUMNS,
      eventTsv(written),
    );
    await (first as ChConnection).exec(`SYSTEM SYNC REPLICA ${database}.events_local`);
    expect(await localIds(first as ChConnection, 'events')).toContain('acct-a/direct-1');
    // And the store, which talks to the first shard's first replica, lists it too.
    expect(await listed(store)).toContain('acct-a/direct-1');
  });

  it('concurrent appends are all stored once each (quorum inserts take turns)', async () => {
    const batches = Array.from({ length: 12 }, (_, b) => events(`conc${b}`, 2));
    const results = await Promise.all(
      batches.map((batch) => store.append(batch.map((e) => ({ event: e, rows: [] })))),
    );
    expect(results.every((r) => r.duplicates.length === 0)).toBe(true);
    const all = await listed(store);
    const expected = batches.flat().map((e) => `${e.accountId}/${e.id}`);
    expect(all.filter((id) => id.includes('/conc')).sort()).toEqual(expected.sort());
  });
});
