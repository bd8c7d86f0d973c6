// The embedded store rewrites closed days and months sorted by subject. The rewrite must be
// invisible to queries: every number stays what the events say, before and after, across late
// events, restarts and data written before the subject bucket column existed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { CompactionSettings } from '../../src/store/embedded/compaction-policy.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const ACCOUNT = 'acc_c';
const METER = 'm_sum';
const SUBJECTS = ['customer_0001', 'customer_0002', 'customer_0003', 'cust', 'beta'];
const NOW = Date.UTC(2026, 2, 10, 12);

interface Sent {
  subject: string;
  time: number;
  value: number;
}

function item(n: number, s: Sent): IngestItem {
  return {
    event: {
      accountId: ACCOUNT,
      id: `e${n}`,
      source: 'test',
      type: 'usage',
      subject: s.subject,
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ v: s.value }),
    },
    rows: [{ meterId: METER, value: s.value, valueText: null, dims: [`r${n % 3}`] }],
  };
}

/** Deterministic events from 2026-01-01 to 2026-03-10 10:00. */
function events(count: number): Sent[] {
  const from = Date.UTC(2026, 0, 1);
  const span = Date.UTC(2026, 2, 10, 10) - from;
  return Array.from({ length: count }, (_, i) => ({
    subject: SUBJECTS[(i * 7) % SUBJECTS.length] as string,
    time: from + Math.floor(((i * 7919) % count) * (span / count)),
    value: (i % 11) + 1,
  }));
}

/** The reference: per subject and per UTC day, summed from what was sent. */
function expected(sent: Sent[], subject: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of sent) {
    if (s.subject !== subject) continue;
    const d = Math.floor(s.time / 86_400_000);
    out.set(d, (out.get(d) ?? 0) + s.value);
  }
  return out;
}

async function daily(store: DuckDbStore, subject: string): Promise<Map<number, number>> {
  const from = Date.UTC(2026, 0, 1);
  const rows = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId: METER,
    from,
    to: Date.UTC(2026, 3, 1),
    bucket: { kind: 'uniform', origin: from, width: 86_400_000 },
    groupBy: [],
    filter: { op: 'eq', dim: { kind: 'subject' }, value: subject },
  });
  return new Map(rows.map((r) => [from / 86_400_000 + r.window, r.sum]));
}

async function expectAll(store: DuckDbStore, sent: Sent[]): Promise<void> {
  for (const subject of SUBJECTS)
    expect(await daily(store, subject)).toEqual(expected(sent, subject));
  expect((await store.stats()).meterRows).toBe(sent.length);
}

/** A data directory and a clock the test moves; `open` starts a store on both, without its timer. */
function scenario(settings: Partial<CompactionSettings> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-compact-'));
  const t = {
    dir,
    clock: NOW,
    open: () =>
      DuckDbStore.open({
        dataDir: dir,
        compaction: { ...settings, intervalMs: 0, now: () => t.clock },
      }),
  };
  return t;
}

describe('embedded store compaction', () => {
  it('rewrites closed months and days without changing any number, late events included', async () => {
    const t = scenario();
    let store = await t.open();
    const sent = events(3000);
    for (let i = 0; i < sent.length; i += 500) {
      await store.append(sent.slice(i, i + 500).map((s, k) => item(i + k, s)));
    }
    await expectAll(store, sent);
    expect(await store.compactNow()).toEqual([]); // rows just arrived: not quiet yet
    expect((await store.stats()).compactionBacklog).toBe(11);

    t.clock += 60_000;
    const chunks = await store.compactNow();
    expect(chunks.map((c) => `${c.kind} ${new Date(c.start).toISOString().slice(0, 10)}`)).toEqual([
      'month 2026-01-01',
      'month 2026-02-01',
      ...Array.from({ length: 9 }, (_, d) => `day 2026-03-0${d + 1}`),
    ]);
    expect((await store.stats()).compactionBacklog).toBe(0);
    await expectAll(store, sent);

    // A late event for a rewritten month is counted; it is too few rows for another rewrite.
    const late: Sent = { subject: 'beta', time: Date.UTC(2026, 0, 31, 23, 59), value: 1000 };
    await store.append([item(99_999, late)]);
    sent.push(late);
    t.clock += 60_000;
    expect(await store.compactNow()).toEqual([]);
    await expectAll(store, sent);

    // The day just closed is rewritten; March as a whole once March is over.
    t.clock = Date.UTC(2026, 2, 11, 2);
    expect((await store.compactNow()).map((c) => c.kind)).toEqual(['day']);
    t.clock = Date.UTC(2026, 3, 1, 2);
    expect((await store.compactNow()).map((c) => [c.kind, c.start])).toEqual([
      ['month', Date.UTC(2026, 2, 1)],
    ]);
    await expectAll(store, sent);

    await store.close();
    store = await t.open();
    await expectAll(store, sent);
    await store.close();
  });

  it('resumes after a restart with what was not sorted yet, and only that', async () => {
    const t = scenario();
    let store = await t.open();
    const sent = events(2000);
    await store.append(sent.map((s, k) => item(k, s)));
    await store.close(); // before any rewrite

    store = await t.open();
    expect((await store.stats()).compactionBacklog).toBe(11);
    expect(await store.compactNow()).toHaveLength(11);
    await store.close();

    store = await t.open();
    expect((await store.stats()).compactionBacklog).toBe(0);
    const late: Sent = { subject: 'cust', time: Date.UTC(2026, 2, 3, 5), value: 7 };
    await store.append([item(50_000, late)]);
    sent.push(late);
    await store.close(); // March 3 changed, and March is still to be rewritten whole

    t.clock = Date.UTC(2026, 3, 1, 2);
    store = await t.open();
    expect((await store.compactNow()).map((c) => [c.kind, c.start])).toEqual([
      ['month', Date.UTC(2026, 2, 1)],
    ]);
    await expectAll(store, sent);
    await store.close();
    store = await t.open();
    expect((await store.stats()).compactionBacklog).toBe(0);
    await expectAll(store, sent);
    await store.close();
  });

  it('fills the subject bucket of rows written before the column existed', async () => {
    const t = scenario();
    let store = await t.open();
    const sent = events(600);
    await store.append(sent.map((s, k) => item(k, s)));
    await store.close();

    // What a data directory of migration 2 holds: rows without a bucket.
    const db = await DuckDBInstance.create(join(t.dir, 'tally.duckdb'));
    const conn = await db.connect();
    await conn.run('UPDATE meter_rows_hot SET sb = NULL');
    const [[nulls]] = (
      await conn.runAndReadAll('SELECT count(*) FROM meter_rows_hot WHERE sb IS NULL')
    ).getRows() as [[bigint]];
    expect(Number(nulls)).toBe(600);
    conn.closeSync();
    db.closeSync();

    store = await t.open();
    await expectAll(store, sent);
    await store.close();
  });
});
