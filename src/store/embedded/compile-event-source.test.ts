// The raw-event read of an ad-hoc meter must give every event the value and dimensions ingest
// gives it (meter/extract.ts): each tricky value below goes through both and the answers must be
// identical, text for text and number for number.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { TRICKY_VALUES } from '../../../test/behaviour/tricky-values.js';
import type { Aggregation } from '../../contract/vocabulary.js';
import { compileMeter, extractRow } from '../../meter/extract.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import type { EventSource } from '../../query/planned-query.js';
import { eventRowsRelation, jsNumberText } from './compile-event-source.js';
import { readRows } from './row-decoding.js';
import { lit } from './sql-quote.js';

function meterOf(aggregation: Aggregation): MeterDefinition {
  return {
    id: 'm',
    accountId: 'acc',
    slug: 'm',
    name: 'm',
    aggregation,
    eventType: 't',
    ...(aggregation === 'COUNT' ? {} : { valueProperty: '$.v.x' }),
    dimensions: [
      ['d', '$.v.x'],
      ['e', '$.tags.env'],
    ],
    createdAt: '',
    updatedAt: '',
  };
}

async function rawRows(source: EventSource, datas: unknown[]) {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    'CREATE TABLE events (account_id VARCHAR, type VARCHAR, subject VARCHAR, time BIGINT, data VARCHAR)',
  );
  const values = datas.map(
    (d, i) => `('acc', 't', 's', ${lit(i)}, ${lit(JSON.stringify(d) ?? 'null')})`,
  );
  await conn.run(`INSERT INTO events VALUES ${values.join(', ')}`);
  const sql = `SELECT * FROM ${eventRowsRelation(source, { accountId: 'acc', meterId: 'm', from: 0, to: datas.length })} ORDER BY time`;
  const rows = await readRows(conn, sql);
  conn.closeSync();
  return rows;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

describe('ad-hoc meter over raw events (DuckDB) = ingest extraction', () => {
  for (const aggregation of ['SUM', 'UNIQUE_COUNT', 'COUNT'] as const) {
    it(`${aggregation}: value and dimensions of every tricky value`, async () => {
      const datas: unknown[] = [
        ...TRICKY_VALUES.map((x) => ({ v: { x }, tags: { env: x } })),
        { v: 5 },
        { tags: null },
        null,
        [1],
      ];
      const source: EventSource = {
        eventType: 't',
        aggregation,
        ...(aggregation === 'COUNT' ? {} : { value: ['v', 'x'] }),
        dims: [
          ['v', 'x'],
          ['tags', 'env'],
        ],
      };
      const rows = await rawRows(source, datas);
      const cm = compileMeter(meterOf(aggregation));
      const got = rows.map((r) => ({
        value: num(r.value),
        valueText: r.value_text ?? null,
        dims: [r.g0 ?? null, r.g1 ?? null],
      }));
      const want = datas.map((d) => {
        const row = extractRow(cm, 0, JSON.parse(JSON.stringify(d) ?? 'null'));
        return { value: row?.value ?? null, valueText: row?.valueText ?? null, dims: row?.dims };
      });
      for (const [i, w] of want.entries()) {
        expect(got[i], JSON.stringify(datas[i])).toEqual(w);
      }
    });
  }

  it('formats every double as String() does', async () => {
    const xs: number[] = [];
    let seed = 11;
    const r = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 3000; i++) {
      const e = Math.floor(r() * 50) - 25;
      xs.push((r() * 2 - 1) * 10 ** e);
      xs.push((Math.round(r() * 1e6) / 1000) * 10 ** Math.floor(r() * 44 - 22));
    }
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const sql = `SELECT i, ${jsNumberText('x')} AS s FROM (SELECT unnest(range(${xs.length})) AS i, unnest([${xs.map((x) => lit(String(x))).join(', ')}]::DOUBLE[]) AS x) ORDER BY i`;
    const rows = await readRows(conn, sql);
    conn.closeSync();
    const wrong = rows.filter((row) => row.s !== String(xs[Number(row.i)]));
    expect(wrong.slice(0, 5).map((w) => [String(xs[Number(w.i)]), w.s])).toEqual([]);
  });
});
