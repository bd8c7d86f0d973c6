// Closed months move out of DuckDB into Parquet files (src/store/embedded/archive/). Every number
// must stay what the events say: before and after the move, with late events, after a restart,
// through a backfill and a meter's deletion, in a backup, and the dedupe must still know every
// archived identity. The files on disk must be exactly the ones the store lists.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const ACCOUNT = 'acc_a';
const METER = 'm_sum';
const SUBJECTS = ['customer_0001', 'customer_0002', 'cust', 'beta'];
const NOW = Date.UTC(2026, 2, 10, 12);
const JANUARY = Date.UTC(2026, 0, 1);
const FEBRUARY = Date.UTC(2026, 1, 1);
const MARCH = Date.UTC(2026, 2, 1);

interface Sent {
  id: string;
  subject: string;
  time: number;
  value: number;
}

function item(s: Sent): IngestItem {
  return {
    event: {
      accountId: ACCOUNT,
      id: s.id,
      source: 'test',
      type: 'usage',
      subject: s.subject,
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ v: s.value }),
    },
    rows: [{ meterId: METER, value: s.value, valueText: null, dims: [`r${s.value % 3}`] }],
  };
}

/** `count` events spread over [from, to), ids `${tag}-i`. */
function spread(tag: string, count: number, from: number, to: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${tag}-${i}`,
    subject: SUBJECTS[(i * 7) % SUBJECTS.length] as string,
    time: from + Math.floor(((i * 7919) % count) * ((to - from) / count)),
    value: (i % 11) + 1,
  }));
}

/** The reference: per subject and UTC day, from what was sent (values scaled by `factor`). */
function expected(sent: Sent[], subject: string, factor = 1): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of sent) {
    if (s.subject !== subject) continue;
    const d = Math.floor(s.time / 86_400_000);
    out.set(d, (out.get(d) ?? 0) + s.value * factor);
  }
  return out;
}

async function daily(store: DuckDbStore, subject: string): Promise<Map<number, number>> {
  const rows = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId: METER,
    from: JANUARY,
    to: Date.UTC(2026, 3, 1),
    bucket: { kind: 'uniform', origin: JANUARY, width: 86_400_000 },
    groupBy: [],
    filter: { op: 'eq', dim: { kind: 'subject' }, value: subject },
  });
  return new Map(rows.map((r) => [JANUARY / 86_400_000 + r.window, r.sum]));
}

async function expectAll(store: DuckDbStore, sent: Sent[], factor = 1): Promise<void> {
  for (const subject of SUBJECTS) {
    expect(await daily(store, subject)).toEqual(expected(sent, subject, factor));
  }
  const stats = await store.stats();
  expect(stats.events).toBe(sent.length);
  expect(stats.meterRows).toBe(sent.length);
}

const inMonth = (sent: Sent[], from: number, to: number) =>
  sent.filter((s) => s.time >= from && s.time < to).length;

function scenario() {
  const dir = mkdtempSync(join(tmpdir(), 'tally-archive-'));
  const t = {
    dir,
    clock: NOW,
    open: () =>
      DuckDbStore.open({ dataDir: dir, compaction: { intervalMs: 0, now: () => t.clock } }),
    files: () => readdirSync(join(dir, 'archive')).sort(),
  };
  return t;
}

/** January and February (closed) plus March 1-10 (open), all folded and archived where closed. */
async function archivedStore(t: ReturnType<typeof scenario>, sent: Sent[]): Promise<DuckDbStore> {
  const store = await t.open();
  for (let i = 0; i < sent.length; i += 400) {
    await store.append(sent.slice(i, i + 400).map(item));
  }
  await expectAll(store, sent); // folded: the rows count as activity
  t.clock += 60_000;
  await store.compactNow();
  return store;
}

/** Rows per month left in the hot tables, read from the closed store's file. */
async function hotRows(dir: string): Promise<Map<number, number>> {
  const db = await DuckDBInstance.create(join(dir, 'tally.duckdb'));
  const conn = await db.connect();
  try {
    const rows = (
      await conn.runAndReadAll(
        `SELECT date_trunc('month', make_timestamp(time * 1000))::TIMESTAMP AS m, count(*) AS n FROM (SELECT time FROM events_hot UNION ALL SELECT time FROM meter_rows_hot) GROUP BY m`,
      )
    ).getRowObjects();
    return new Map(rows.map((r) => [Date.parse(`${String(r.m)}Z`), Number(r.n)]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('embedded store archive of closed months', () => {
  it('moves closed months into Parquet files, answers unchanged, and only open days stay hot', async () => {
    const t = scenario();
    const sent = spread('a', 2400, JANUARY, Date.UTC(2026, 2, 10, 10));
    let store = await archivedStore(t, sent);

    expect(store.archivedMonths()).toEqual([
      {
        month: JANUARY,
        eventsGen: 1,
        events: inMonth(sent, JANUARY, FEBRUARY),
        rowsGen: 1,
        meterRows: inMonth(sent, JANUARY, FEBRUARY),
      },
      {
        month: FEBRUARY,
        eventsGen: 1,
        events: inMonth(sent, FEBRUARY, MARCH),
        rowsGen: 1,
        meterRows: inMonth(sent, FEBRUARY, MARCH),
      },
    ]);
    expect(t.files()).toEqual([
      '2026-01.events.g1.parquet',
      '2026-01.meter_rows.g1.parquet',
      '2026-02.events.g1.parquet',
      '2026-02.meter_rows.g1.parquet',
    ]);
    await expectAll(store, sent);
    // An archived event is listed like any other.
    const first = sent.find((s) => s.time < FEBRUARY) as Sent;
    const listed = await store.listEvents({ accountId: ACCOUNT, idContains: first.id, limit: 10 });
    expect(listed.map((e) => [e.id, e.time])).toContainEqual([first.id, first.time]);
    const { bytesOnDisk } = await store.stats();
    await store.close();

    // Only March's rows are left in DuckDB's tables (events and meter rows: twice March's count).
    expect(await hotRows(t.dir)).toEqual(new Map([[MARCH, 2 * inMonth(sent, MARCH, NOW)]]));
    store = await t.open();
    await expectAll(store, sent);
    expect((await store.stats()).bytesOnDisk).toBeGreaterThan(0);
    expect(bytesOnDisk).toBeGreaterThan(0);
    await store.close();
  });

  it('counts late events of an archived month, and merges them into new files past the fraction', async () => {
    const t = scenario();
    const sent = spread('a', 2000, JANUARY, Date.UTC(2026, 2, 10, 10));
    const store = await archivedStore(t, sent);
    const january = inMonth(sent, JANUARY, FEBRUARY);

    // 2% of January: counted from the hot table, too few for another archive.
    const few = spread('late1', Math.ceil(january * 0.02), JANUARY, FEBRUARY);
    await store.append(few.map(item));
    sent.push(...few);
    await expectAll(store, sent);
    t.clock += 60_000;
    expect(await store.compactNow()).toEqual([]);

    // 10% more: January is archived again, merged with its first files, which are deleted.
    const more = spread('late2', Math.ceil(january * 0.1), JANUARY, FEBRUARY);
    await store.append(more.map(item));
    sent.push(...more);
    await expectAll(store, sent);
    t.clock += 60_000;
    expect((await store.compactNow()).map((c) => [c.kind, c.start])).toEqual([['month', JANUARY]]);
    const jan = store.archivedMonths().find((m) => m.month === JANUARY);
    expect(jan).toEqual({
      month: JANUARY,
      eventsGen: 2,
      events: january + few.length + more.length,
      rowsGen: 2,
      meterRows: january + few.length + more.length,
    });
    expect(t.files()).toEqual([
      '2026-01.events.g2.parquet',
      '2026-01.meter_rows.g2.parquet',
      '2026-02.events.g1.parquet',
      '2026-02.meter_rows.g1.parquet',
    ]);
    await expectAll(store, sent);
    await store.close();
  });

  it('refuses a duplicate of an archived event after a restart, with nothing in memory', async () => {
    const t = scenario();
    const sent = spread('a', 800, JANUARY, Date.UTC(2026, 2, 10, 10));
    let store = await archivedStore(t, sent);
    expect(store.archivedMonths().map((m) => m.month)).toEqual([JANUARY, FEBRUARY]);
    await store.close();

    store = await t.open();
    expect(store.dedupeStats().residentDays).toBe(0);
    const old = sent.filter((s) => s.time < FEBRUARY).slice(0, 3);
    const fresh: Sent = { id: 'fresh', subject: 'beta', time: JANUARY + 3_600_000, value: 5 };
    const result = await store.append([...old.map(item), item(fresh)]);
    expect(result.duplicates).toEqual([0, 1, 2]);
    sent.push(fresh);
    // January resent three times: enough demand to load its days, which the hot table no longer
    // holds, so the store must know them from the archive (stored-days.ts), not judge them empty.
    expect(await store.storedDaysLearned()).toBe(true);
    const january = sent.filter((s) => s.time < FEBRUARY);
    for (let round = 0; round < 3; round++) {
      expect((await store.append(january.map(item))).duplicates).toHaveLength(january.length);
    }
    expect(store.dedupeStats().loads).toBeGreaterThan(0);
    await expectAll(store, sent);
    await store.close();
  });

  it('rewrites the archived meter rows in a backfill, and drops them with the meter', async () => {
    const t = scenario();
    const sent = spread('a', 1200, JANUARY, Date.UTC(2026, 2, 10, 10));
    const store = await archivedStore(t, sent);
    const before = store.archivedMonths();

    // A backfill that computes twice the values: archived months get new meter rows files.
    await store.replaceMeterRows(METER, ACCOUNT, async (emit) => {
      await emit(
        sent.map((s) => ({
          meterId: METER,
          value: s.value * 2,
          valueText: null,
          dims: [`r${s.value % 3}`],
          time: s.time,
          subject: s.subject,
        })),
      );
    });
    await expectAll(store, sent, 2);
    expect(store.archivedMonths().map((m) => [m.eventsGen, m.rowsGen, m.meterRows])).toEqual(
      before.map(() => [1, 2, 0]),
    );
    t.clock += 60_000;
    // The backfilled rows of the closed months are hot now: archived again with the new rows.
    await store.compactNow();
    await expectAll(store, sent, 2);
    expect(store.archivedMonths().map((m) => [m.month, m.meterRows])).toEqual(
      before.map((m) => [m.month, m.events]),
    );

    await store.deleteMeterRows(METER);
    expect((await store.stats()).meterRows).toBe(0);
    for (const subject of SUBJECTS) expect((await daily(store, subject)).size).toBe(0);
    expect(store.archivedMonths().every((m) => m.meterRows === 0)).toBe(true);
    expect(t.files().filter((f) => f.includes('meter_rows'))).toHaveLength(2);
    await store.close();
  });

  it('deletes debris in the archive directory at start, and refuses to start without a listed file', async () => {
    const t = scenario();
    const sent = spread('a', 600, JANUARY, Date.UTC(2026, 2, 10, 10));
    let store = await archivedStore(t, sent);
    const listed = t.files();
    await store.close();

    // What an archive cut short between writing its files and committing leaves behind.
    writeFileSync(join(t.dir, 'archive', '2026-01.events.g7.parquet'), 'partial');
    store = await t.open();
    expect(t.files()).toEqual(listed);
    await expectAll(store, sent);
    await store.close();

    rmSync(join(t.dir, 'archive', '2026-02.meter_rows.g1.parquet'));
    await expect(t.open()).rejects.toThrow(/2026-02\.meter_rows\.g1\.parquet is missing/);
    expect(existsSync(join(t.dir, 'archive', '2026-02.events.g1.parquet'))).toBe(true);
  });

  it('copies the archive into a backup, and the restored store answers the same', async () => {
    const t = scenario();
    const sent = spread('a', 900, JANUARY, Date.UTC(2026, 2, 10, 10));
    const store = await archivedStore(t, sent);
    const scratch = mkdtempSync(join(tmpdir(), 'tally-archive-backup-'));
    const info = await store.backup(join(scratch, 'b'));
    expect(info.events).toBe(sent.length);
    expect(info.files.map((f) => f.name).filter((n) => n.startsWith('archive/'))).toHaveLength(4);
    await store.close();
    rmSync(t.dir, { recursive: true }); // the restore must not read the source's files

    const restored = await DuckDbStore.restore(join(scratch, 'b'), join(scratch, 'r'));
    expect(restored.events).toBe(sent.length);
    const again = await DuckDbStore.open({
      dataDir: join(scratch, 'r'),
      compaction: { intervalMs: 0, now: () => t.clock },
    });
    expect(again.archivedMonths().map((m) => m.month)).toEqual([JANUARY, FEBRUARY]);
    await expectAll(again, sent);
    await again.close();
  });
});

describe('the database file after the archive', () => {
  it('is copied into a compact file at a graceful stop when most of it is free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-shrink-'));
    const clock = { now: NOW };
    const open = (
      shrinkOnClose: boolean | { minFreeBytes: number; minFreeShare: number; maxUsedBytes: number },
    ) =>
      DuckDbStore.open({
        dataDir: dir,
        shrinkOnClose,
        compaction: { intervalMs: 0, now: () => clock.now },
      });
    let store = await open(false);
    // More rows in the closed months than DuckDB puts in two row groups (122,880 rows each): the
    // archive deletes them all, and the checkpoint frees the blocks of whole row groups. With
    // fewer, the file gains a block or two of free space at most, which a later checkpoint (one
    // that writes the catalog, say) may take back before the stop.
    const sent = [
      ...spread('a', 6000, JANUARY, Date.UTC(2026, 2, 10, 10)),
      ...spread('bulk', 250_000, JANUARY, MARCH),
    ];
    for (let i = 0; i < sent.length; i += 10_000) {
      await store.append(sent.slice(i, i + 10_000).map(item));
    }
    await expectAll(store, sent);
    await store.checkpoint(); // January and February in DuckDB's file before they move out
    // Data written after them and kept, so that the blocks the archive frees lie inside the file
    // (DuckDB gives back free blocks at the end of the file by itself).
    const body = JSON.stringify({ pad: 'x'.repeat(2000) });
    for (let i = 0; i < 1000; i++) {
      await store.putRecord({ collection: 'audit_log', accountId: 'a', id: `r${i}`, body });
    }
    await store.checkpoint();
    clock.now += 60_000;
    await store.compactNow();
    await store.close();
    expect(store.shrunk).toBeUndefined(); // not asked to
    const { statSync } = await import('node:fs');
    const before = statSync(join(dir, 'tally.duckdb')).size;

    // Any free space is worth a copy here: the file shrinks, and nothing is lost.
    store = await open({ minFreeBytes: 1, minFreeShare: 0, maxUsedBytes: 1e12 });
    await store.close();
    expect(store.shrunk?.before).toBe(before);
    expect(store.shrunk?.after).toBeLessThan(before);
    expect(statSync(join(dir, 'tally.duckdb')).size).toBe(store.shrunk?.after);

    store = await open(false);
    await expectAll(store, sent);
    expect(store.archivedMonths().map((m) => m.month)).toEqual([JANUARY, FEBRUARY]);
    // A duplicate is still refused, a new event still taken.
    const fresh: Sent = { id: 'fresh', subject: 'beta', time: Date.UTC(2026, 2, 9), value: 3 };
    expect((await store.append([item(sent[0] as Sent), item(fresh)])).duplicates).toEqual([0]);
    sent.push(fresh);
    await expectAll(store, sent);
    await store.close();
  });
});
