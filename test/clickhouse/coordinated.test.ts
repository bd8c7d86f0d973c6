// Coordinated writers on the replicated cluster: two stores (as two Tally processes would hold
// them) split the slots through ZooKeeper, each writes only the accounts it owns, and the cluster
// refuses a write made under an epoch that lost its slot, whatever the writer believes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { DEFAULT_SLOTS } from '../../src/store/clickhouse/coordinated-writes.js';
import { slotOf } from '../../src/store/clickhouse/coordination/slot-of.js';
import { slotPaths } from '../../src/store/clickhouse/coordination/slot-paths.js';
import { ZkSession } from '../../src/store/clickhouse/coordination/zk-session.js';
import {
  INCOMING_COLUMNS,
  incomingEvent,
  incomingMeterRow,
} from '../../src/store/clickhouse/incoming-rows.js';
import { insertSettings, makeLayout } from '../../src/store/clickhouse/layout.js';
import { LocalDedupe } from '../../src/store/clickhouse/local-dedupe.js';
import { eventTsv, meterRowHead, meterRowTsv } from '../../src/store/clickhouse/rows.js';
import { createClickHouseStore } from '../../src/store/clickhouse/store.js';
import { FencedWriteError } from '../../src/store/clickhouse/unavailable.js';
import { Writer } from '../../src/store/clickhouse/writer.js';
import type { Store } from '../../src/store/ports.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase } from './stores.js';

const skip = skipClickHouse();
const ZOOKEEPER = `127.0.0.1:${process.env.TALLY_ZK_PORT ?? '12181'}`;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const ACCOUNTS = Array.from({ length: 40 }, (_, i) => `coord-acct-${i}`);

function items(account: string, prefix: string, n: number): IngestItem[] {
  return Array.from({ length: n }, (_, i) => ({
    event: {
      accountId: account,
      id: `${prefix}-${i}`,
      source: 'coord-test',
      type: 'api_call',
      subject: `user-${i % 3}`,
      time: T0 + i * 1000,
      ingestedAt: T0 + 60_000,
      data: '{}',
    },
    rows: [],
  }));
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip)('coordinated writers (slots in ZooKeeper, fenced writes)', () => {
  const database = freshDatabase('tally_coord');
  let a: Store;
  let b: Store;
  let bClosed = false;
  let node: ChConnection;
  let zk: ZkSession;

  const open = (url: string, advertiseUrl: string) =>
    createClickHouseStore({
      url,
      database,
      cluster: servers().replicatedCluster,
      replicated: true,
      writers: 'coordinated',
      coordination: {
        zookeeper: ZOOKEEPER,
        sessionTimeoutMs: 6000,
        advertiseUrl,
        slots: DEFAULT_SLOTS,
      },
    });

  /**
   * Both members hold half of the slots (read from ZooKeeper), every account is local on exactly
   * one store and forwarded to that one by the other.
   */
  async function split(): Promise<boolean> {
    const slots = slotPaths(database).slots;
    const held = await zk.getChildren(slots).catch(() => [] as string[]);
    if (held.length !== DEFAULT_SLOTS) return false;
    const urls = await Promise.all(
      held.map(async (n) => JSON.parse((await zk.getData(`${slots}/${n}`)).data.toString()).url),
    );
    const half = DEFAULT_SLOTS / 2;
    if (urls.filter((u) => u === 'http://a.test').length !== half) return false;
    if (urls.filter((u) => u === 'http://b.test').length !== half) return false;
    return ACCOUNTS.every((acct) => {
      const pa = a.placement?.(acct);
      const pb = b.placement?.(acct);
      return (
        (pa?.kind === 'local' && pb?.kind === 'remote' && pb.url === 'http://a.test') ||
        (pb?.kind === 'local' && pa?.kind === 'remote' && pa.url === 'http://b.test')
      );
    });
  }

  beforeAll(async () => {
    const urls = servers().replicaUrls;
    a = await open(urls[0] ?? '', 'http://a.test');
    b = await open(urls[2] ?? '', 'http://b.test');
    node = connect(urls[1] ?? '');
    zk = await ZkSession.connect(ZOOKEEPER, { sessionTimeoutMs: 6000 });
  });
  afterAll(async () => {
    await a?.close();
    if (!bClosed) await b?.close();
    await node?.close();
    await zk?.close();
    await dropDatabase('replicated', database);
  });

  async function stored(account: string): Promise<number> {
    const [row] = await node.exec<{ n: string }>(
      `SELECT count() AS n FROM ${database}.events WHERE account_id = '${account}'`,
    );
    return Number(row?.n ?? 0);
  }

  it('split the slots between the two members, every account owned by exactly one', async () => {
    await until('the two members to split the slots', split);
    const local = ACCOUNTS.filter((acct) => a.placement?.(acct).kind === 'local');
    expect(local.length).toBeGreaterThan(0);
    expect(local.length).toBeLessThan(ACCOUNTS.length);
  });

  it('the owner writes and dedupes; the other refuses with 503 and writes nothing', async () => {
    await until('the two members to split the slots', split);
    for (const acct of ACCOUNTS.slice(0, 6)) {
      const [owner, other] = a.placement?.(acct).kind === 'local' ? [a, b] : [b, a];
      const first = await owner.append(items(acct, 'w', 30));
      expect(first.duplicates).toEqual([]);
      const again = await owner.append(items(acct, 'w', 30));
      expect(again.duplicates).toHaveLength(30);
      await expect(other.append(items(acct, 'x', 5))).rejects.toMatchObject({
        retryAfterSeconds: 1,
      });
      expect(await stored(acct)).toBe(30);
    }
  });

  it('a write under an epoch that lost its slot is refused whole by the cluster', async () => {
    await until('the two members to split the slots', split);
    const acct = ACCOUNTS.find((x) => a.placement?.(x).kind === 'local') ?? '';
    const slot = slotOf(acct, DEFAULT_SLOTS);
    const [fence] = await node.exec<{ epoch: string }>(
      `SELECT toString(max(epoch)) AS epoch FROM ${database}.slot_fences WHERE slot = ${slot}`,
    );
    const current = BigInt(fence?.epoch ?? '0');
    expect(current).toBeGreaterThan(0n);
    // A writer that still believes in an older epoch of the slot (as a process paused past its
    // ZooKeeper session does) and one that holds the current epoch.
    const layout = makeLayout(database, servers().replicatedCluster, true);
    const conn = connect(servers().replicaUrls[3] ?? '', database);
    const settings = {
      ...insertSettings(layout),
      select_sequential_consistency: 1,
      max_threads: 1,
    };
    // The refused write stored nothing, so no identity may look unfinished afterwards.
    const noUnfinished = {
      landed: async (): Promise<never> => {
        throw new Error('a refused write left rows behind');
      },
    };
    const writerAt = (epoch: bigint) =>
      new Writer(conn, new LocalDedupe(conn, settings, noUnfinished), async () => new Map(), {
        maxEvents: 1000,
        concurrency: 1,
        maxFlushes: 2,
        recentKeys: 0,
        insertSettings: settings,
        fenceOf: () => ({ slot, epoch: epoch.toString() }),
      });
    try {
      const before = await stored(acct);
      await expect(writerAt(current - 1n).append(items(acct, 'zombie', 10))).rejects.toBeInstanceOf(
        FencedWriteError,
      );
      expect(await stored(acct)).toBe(before);
      const keys = await node.exec<{ n: string }>(
        `SELECT count() AS n FROM ${database}.event_keys WHERE account_id = '${acct}' AND startsWith(id, 'zombie')`,
      );
      expect(Number(keys[0]?.n)).toBe(0);
      // The same events under the current epoch land: events and their commits, once.
      await writerAt(current).append(items(acct, 'zombie', 10));
      expect(await stored(acct)).toBe(before + 10);
      const again = await a.append(items(acct, 'zombie', 10));
      expect(again.duplicates).toHaveLength(10);
    } finally {
      await conn.close();
    }
  });

  /**
   * What a process that died part way through a write leaves for `acct`: the write's claims, its
   * events and (unless `withRows` is false) its meter rows, and no commit.
   */
  const ONE = { value: 1, valueText: null, dims: [] as (string | null)[] };
  async function leaveUnfinished(acct: string, prefix: string, withRows: boolean) {
    const slot = slotOf(acct, DEFAULT_SLOTS);
    const [f] = await node.exec<{ epoch: string }>(
      `SELECT toString(max(epoch)) AS epoch FROM ${database}.slot_fences WHERE slot = ${slot}`,
    );
    const tag = {
      fence: { slot, epoch: f?.epoch ?? '0' },
      accountId: acct,
      token: `dead-${prefix}`,
    };
    const metered = items(acct, prefix, 20).map((it) => ({
      ...it,
      rows: [{ meterId: 'm1', ...ONE }],
    }));
    let body = '';
    for (const it of metered) {
      body += incomingEvent(tag, eventTsv(it.event));
      const head = meterRowHead(acct, 'm1', 0, it.event.time, it.event.subject);
      if (withRows) body += incomingMeterRow(tag, meterRowTsv(head, ONE));
    }
    const layout = makeLayout(database, servers().replicatedCluster, true);
    const settings: Record<string, number> = {
      ...insertSettings(layout),
      select_sequential_consistency: 1,
      max_threads: 1,
    };
    const conn = connect(servers().replicaUrls[0] ?? '', database);
    try {
      await conn.insertTsv('incoming', INCOMING_COLUMNS, body, settings);
      await conn.insertTsv(
        'event_keys',
        ['account_id', 'source', 'id', 'token', 'state', 'at'],
        metered
          .map((it) => `${acct}\t${it.event.source}\t${it.event.id}\t${tag.token}\t0\t0\n`)
          .join(''),
        settings,
      );
    } finally {
      await conn.close();
    }
    return metered;
  }

  async function meterRows(acct: string): Promise<number> {
    const [row] = await node.exec<{ n: string }>(
      `SELECT count() AS n FROM ${database}.meter_rows WHERE account_id = '${acct}' AND meter_id = 'm1'`,
    );
    return Number(row?.n ?? 0);
  }

  it('the retry of a write that stored its events and meter rows but never committed stores nothing twice', async () => {
    await until('the two members to split the slots', split);
    const acct = ACCOUNTS.filter((x) => a.placement?.(x).kind === 'local')[1] ?? '';
    const before = await stored(acct);
    const rowsBefore = await meterRows(acct);
    const metered = await leaveUnfinished(acct, 'cut-late', true);
    expect(await stored(acct)).toBe(before + 20);
    expect(await meterRows(acct)).toBe(rowsBefore + 20);
    // The client's retry reaches the owner: only the commits are missing, so only they are stored.
    const res = await a.append(metered);
    expect(res.duplicates).toEqual([]);
    expect(await stored(acct)).toBe(before + 20);
    expect(await meterRows(acct)).toBe(rowsBefore + 20);
    expect((await a.append(metered)).duplicates).toHaveLength(20);
  });

  it('the retry of a write that stored only its events stores their meter rows once', async () => {
    await until('the two members to split the slots', split);
    const acct = ACCOUNTS.filter((x) => a.placement?.(x).kind === 'local')[2] ?? '';
    const before = await stored(acct);
    const rowsBefore = await meterRows(acct);
    const metered = await leaveUnfinished(acct, 'cut-early', false);
    expect(await stored(acct)).toBe(before + 20);
    expect(await meterRows(acct)).toBe(rowsBefore);
    const res = await a.append(metered);
    expect(res.duplicates).toEqual([]);
    expect(await stored(acct)).toBe(before + 20);
    expect(await meterRows(acct)).toBe(rowsBefore + 20);
    expect((await a.append(metered)).duplicates).toHaveLength(20);
  });

  it('a member that leaves hands its slots over; the other writes them under a larger epoch', async () => {
    await until('the two members to split the slots', split);
    const moved = ACCOUNTS.find((x) => b.placement?.(x).kind === 'local') ?? '';
    const slot = slotOf(moved, DEFAULT_SLOTS);
    const epochs = async () =>
      (
        await node.exec<{ e: string }>(
          `SELECT toString(epoch) AS e FROM ${database}.slot_fences WHERE slot = ${slot} ORDER BY epoch`,
        )
      ).map((r) => BigInt(r.e));
    const before = await epochs();
    const prior = await stored(moved);
    await b.append(items(moved, 'before-move', 5));
    await b.close();
    bClosed = true;
    await until('a to own every account', () =>
      ACCOUNTS.every((x) => a.placement?.(x).kind === 'local'),
    );
    const after = await epochs();
    expect(after.length).toBe(before.length + 1);
    expect((after.at(-1) ?? 0n) > (before.at(-1) ?? 0n)).toBe(true);
    const res = await a.append([...items(moved, 'before-move', 5), ...items(moved, 'after', 5)]);
    expect(res.duplicates).toEqual([0, 1, 2, 3, 4]);
    expect(await stored(moved)).toBe(prior + 10);
  });
});
