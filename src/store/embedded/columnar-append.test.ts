import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../ingest/stored-event.js';
import { identityHash64 } from '../../lib/hash.js';
import { MAX_DIMENSIONS, type MeterRow } from '../../meter/meter-definition.js';
import { CHUNK_ROWS } from './chunk-writer.js';
import { ColumnarAppender } from './columnar-append.js';
import { MIGRATIONS } from './schema.js';
import { subjectBucket } from './subject-bucket.js';

// The reference: the store's row-by-row fold (one appender call per value), written out here so
// the columnar rows are compared with an independent path.
function appendRowByRow(events: DuckDBAppender, rows: DuckDBAppender, items: IngestItem[]): void {
  for (const { event: e, rows: meterRows } of items) {
    events.appendVarchar(e.accountId);
    events.appendUBigInt(identityHash64(e.accountId, e.source, e.id));
    events.appendVarchar(e.id);
    events.appendVarchar(e.source);
    events.appendVarchar(e.type);
    events.appendVarchar(e.subject);
    events.appendBigInt(BigInt(e.time));
    events.appendBigInt(BigInt(e.ingestedAt));
    events.appendVarchar(e.data);
    events.endRow();
    for (const r of meterRows) {
      rows.appendVarchar(r.meterId);
      rows.appendVarchar(e.accountId);
      rows.appendBigInt(BigInt(e.time));
      rows.appendVarchar(e.subject);
      if (r.value === null) rows.appendNull();
      else rows.appendDouble(r.value);
      if (r.valueText === null) rows.appendNull();
      else rows.appendVarchar(r.valueText);
      for (let i = 0; i < MAX_DIMENSIONS; i++) {
        const d = r.dims[i];
        if (d === null || d === undefined) rows.appendNull();
        else rows.appendVarchar(d);
      }
      rows.appendUSmallInt(subjectBucket(e.subject));
      rows.endRow();
    }
  }
}

// Strings around DuckDB's 12-byte inline limit, multi-byte UTF-8, quotes and SQL-looking text.
const AWKWARD = [
  '',
  'a',
  'exactly12byt',
  'thirteen_byte',
  'ünïcødé',
  '日本語のテキスト',
  '😀 emoji 👩‍👩‍👧',
  "it's",
  '"quoted"',
  "'); DROP TABLE events; --",
  'back\\slash',
  'tab\tnew\nline',
  'nul\u0000inside',
  'x'.repeat(5000),
];

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

/** Deterministic items exercising NULLs, 0-16 dimensions, 0-3 rows and extreme values. */
function makeItems(n: number): IngestItem[] {
  const values = [0, -0, 1, -1.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, 0.1 + 0.2];
  const times = [
    0,
    1,
    -86_400_000,
    1_735_689_600_000,
    8_640_000_000_000_000,
    Number.MAX_SAFE_INTEGER,
  ];
  const items: IngestItem[] = [];
  for (let i = 0; i < n; i++) {
    const rows: MeterRow[] = [];
    for (let r = 0; r < i % 4; r++) {
      const dimCount = (i + r) % (MAX_DIMENSIONS + 1);
      const dims = Array.from({ length: dimCount }, (_, d) =>
        (i + d) % 5 === 0 ? null : `${pick(AWKWARD, i + d)}${d}`,
      );
      rows.push({
        meterId: `meter_${r}_${pick(AWKWARD, i)}`,
        value: (i + r) % 3 === 0 ? null : pick(values, i),
        valueText: (i + r) % 2 === 0 ? null : pick(AWKWARD, i * 7 + r),
        dims,
      });
    }
    items.push({
      event: {
        accountId: `acct_${i % 3}`,
        id: `${pick(AWKWARD, i)}#${i}`,
        source: pick(AWKWARD, i + 1),
        type: pick(AWKWARD, i + 2),
        subject: pick(AWKWARD, i + 3) + String(i % 17),
        time: pick(times, i),
        ingestedAt: 1_735_689_600_000 + Math.floor(i / 1000),
        data: i % 11 === 0 ? 'null' : JSON.stringify({ n: i, s: pick(AWKWARD, i) }),
      },
      rows,
    });
  }
  return items;
}

describe('ColumnarAppender', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;

  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    for (const sql of MIGRATIONS) await conn.run(sql);
    await conn.run("ATTACH ':memory:' AS ref");
    await conn.run('USE ref');
    for (const sql of MIGRATIONS) await conn.run(sql);
    await conn.run('USE memory');
  });

  afterEach(() => {
    conn.closeSync();
    instance.closeSync();
  });

  async function count(sql: string): Promise<number> {
    const [[n]] = (await conn.runAndReadAll(sql)).getRows() as [[bigint]];
    return Number(n);
  }

  /** Rows in one table and not the other, both ways (NULLs compare equal in EXCEPT). */
  async function differences(table: string): Promise<number> {
    return (
      (await count(`SELECT count(*) FROM (FROM memory.${table} EXCEPT ALL FROM ref.${table})`)) +
      (await count(`SELECT count(*) FROM (FROM ref.${table} EXCEPT ALL FROM memory.${table})`))
    );
  }

  async function writeBoth(items: IngestItem[], split: number): Promise<void> {
    const ev = await conn.createAppender('events_hot');
    const mr = await conn.createAppender('meter_rows_hot');
    const columnar = new ColumnarAppender(ev, mr);
    // Several calls on one instance, as a fold that yields between slices makes them.
    for (let i = 0; i < items.length; i += split) columnar.append(items.slice(i, i + split));
    ev.closeSync();
    mr.closeSync();
    const refEv = await conn.createAppender('events_hot', null, 'ref');
    const refMr = await conn.createAppender('meter_rows_hot', null, 'ref');
    appendRowByRow(refEv, refMr, items);
    refEv.closeSync();
    refMr.closeSync();
  }

  it('writes the rows the row appender writes, across chunk boundaries', async () => {
    const items = makeItems(CHUNK_ROWS * 2 + 77);
    await writeBoth(items, 1000);
    const rowCount = items.reduce((s, it) => s + it.rows.length, 0);
    expect(rowCount).toBeGreaterThan(CHUNK_ROWS);
    expect(await count('SELECT count(*) FROM memory.events')).toBe(items.length);
    expect(await count('SELECT count(*) FROM memory.meter_rows')).toBe(rowCount);
    expect(await differences('events_hot')).toBe(0);
    expect(await differences('meter_rows_hot')).toBe(0);
  });

  it('writes chunks whose columns hold one value, or only NULLs, between varied chunks', async () => {
    // Constant string columns become constant vectors and all-NULL columns a cleared bitmap:
    // the chunk after each must not inherit either.
    const uniform = (n: number, tag: string): IngestItem[] =>
      Array.from({ length: n }, (_, i) => ({
        event: {
          accountId: 'acct\u0000same',
          id: `${tag}${i}`,
          source: 'src',
          type: 'same type',
          subject: 'x'.repeat(40),
          time: 1_735_689_600_000 + i,
          ingestedAt: 1_735_689_600_000,
          data: '{}',
        },
        rows: [{ meterId: 'm\u0000one', value: null, valueText: null, dims: [] }],
      }));
    const items = [
      ...uniform(CHUNK_ROWS, 'a'),
      ...makeItems(CHUNK_ROWS),
      ...uniform(CHUNK_ROWS, 'b'),
      ...makeItems(100),
    ];
    await writeBoth(items, CHUNK_ROWS);
    expect(await count('SELECT count(*) FROM memory.events')).toBe(items.length);
    expect(await differences('events_hot')).toBe(0);
    expect(await differences('meter_rows_hot')).toBe(0);
    expect(
      await count("SELECT count(*) FROM memory.meter_rows WHERE meter_id = 'm' || chr(0) || 'one'"),
    ).toBe(CHUNK_ROWS * 2);
  });

  it('stores the identity hash, subject bucket, NULLs and extremes exactly', async () => {
    const items = makeItems(300);
    await writeBoth(items, 7);
    const events = (
      await conn.runAndReadAll('SELECT id, key_hash, time, data FROM memory.events')
    ).getRows();
    const byId = new Map(items.map((it) => [it.event.id, it.event]));
    for (const [id, hash, time, data] of events) {
      const e = byId.get(String(id));
      expect(e).toBeDefined();
      if (!e) continue;
      expect(hash).toBe(identityHash64(e.accountId, e.source, e.id));
      expect(time).toBe(BigInt(e.time));
      expect(data).toBe(e.data);
    }
    const [[maxHash]] = (
      await conn.runAndReadAll('SELECT max(key_hash) FROM memory.events')
    ).getRows() as [[bigint]];
    expect(maxHash).toBeGreaterThan(2n ** 63n);
    const rows = (
      await conn.runAndReadAll(
        'SELECT subject, sb, value, g15 FROM memory.meter_rows WHERE g15 IS NOT NULL OR value IS NULL',
      )
    ).getRows();
    expect(rows.length).toBeGreaterThan(0);
    for (const [subject, sb] of rows) expect(sb).toBe(subjectBucket(String(subject)));
    const [[negZero, huge, tiny]] = (
      await conn.runAndReadAll(
        'SELECT count(*) FILTER (value = 0), max(value), min(value) FILTER (value > 0) FROM memory.meter_rows',
      )
    ).getRows() as [[bigint, number, number]];
    expect(Number(negZero)).toBeGreaterThan(0);
    expect(huge).toBe(1e308);
    expect(tiny).toBe(5e-324);
  });

  it('folds log records with yields between chunks and counts meter rows per UTC day', async () => {
    const items = makeItems(CHUNK_ROWS + 500);
    const records = [
      { seq: 1, items: items.slice(0, 1000) },
      { seq: 2, items: [] },
      { seq: 3, items: items.slice(1000) },
    ];
    const ev = await conn.createAppender('events_hot');
    const mr = await conn.createAppender('meter_rows_hot');
    const days = new Map<number, number>();
    await new ColumnarAppender(ev, mr).appendRecords(records, days);
    ev.closeSync();
    mr.closeSync();
    const refEv = await conn.createAppender('events_hot', null, 'ref');
    const refMr = await conn.createAppender('meter_rows_hot', null, 'ref');
    appendRowByRow(refEv, refMr, items);
    refEv.closeSync();
    refMr.closeSync();
    expect(await differences('events_hot')).toBe(0);
    expect(await differences('meter_rows_hot')).toBe(0);
    const stored = (
      await conn.runAndReadAll(
        'SELECT floor(time / 86400000)::BIGINT AS day, count(*) FROM memory.meter_rows GROUP BY day',
      )
    ).getRows();
    expect(new Map(stored.map(([d, c]) => [Number(d), Number(c)]))).toEqual(days);
  });

  it('handles empty input and items without meter rows', async () => {
    const items = makeItems(9).map((it) => ({ ...it, rows: [] }));
    const ev = await conn.createAppender('events_hot');
    const mr = await conn.createAppender('meter_rows_hot');
    new ColumnarAppender(ev, mr).append([]);
    new ColumnarAppender(ev, mr).append(items);
    ev.closeSync();
    mr.closeSync();
    expect(await count('SELECT count(*) FROM memory.events')).toBe(9);
    expect(await count('SELECT count(*) FROM memory.meter_rows')).toBe(0);
  });
});
