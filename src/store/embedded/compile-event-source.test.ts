// The raw-event read of an ad-hoc meter must give every event the value and dimensions ingest
// gives it (meter/extract.ts): each tricky value below goes through both and the answers must be
// identical, text for text and number for number.
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { rawReadCase, rawReadRow, sampleDoubles } from '../../../test/behaviour/tricky-values.js';
import type { EventSource } from '../../query/planned-query.js';
import { eventRowsRelation, jsNumberText } from './compile-event-source.js';
import { readRows } from './row-decoding.js';
import { lit } from './sql-quote.js';

async function rawRows(source: EventSource, datas: unknown[]) {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    'CREATE TABLE events (account_id VARCHAR, source VARCHAR, id VARCHAR, type VARCHAR, subject VARCHAR, time BIGINT, ingested_at BIGINT, data VARCHAR)',
  );
  await conn.run(
    'CREATE TABLE event_voids (account_id VARCHAR, source VARCHAR, id VARCHAR, ingested_at BIGINT, voided_at BIGINT, correction_id VARCHAR)',
  );
  const values = datas.map(
    (d, i) =>
      `('acc', 'src', ${lit(`e${i}`)}, 't', 's', ${lit(i)}, 0, ${lit(JSON.stringify(d) ?? 'null')})`,
  );
  await conn.run(`INSERT INTO events VALUES ${values.join(', ')}`);
  const sql = `SELECT * FROM ${eventRowsRelation(source, { accountId: 'acc', meterId: 'm', from: 0, to: datas.length })} ORDER BY time`;
  const rows = await readRows(conn, sql);
  conn.closeSync();
  return rows;
}

describe('ad-hoc meter over raw events (DuckDB) = ingest extraction', () => {
  for (const aggregation of ['SUM', 'UNIQUE_COUNT', 'COUNT'] as const) {
    it(`${aggregation}: value and dimensions of every tricky value`, async () => {
      const { datas, source, want } = rawReadCase(aggregation);
      const rows = await rawRows(source, datas);
      for (const [i, w] of want.entries()) {
        expect(rawReadRow(rows[i] ?? {}), JSON.stringify(datas[i])).toEqual(w);
      }
    });
  }

  it('formats every double as String() does', async () => {
    const xs = sampleDoubles();
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const sql = `SELECT i, ${jsNumberText('x')} AS s FROM (SELECT unnest(range(${xs.length})) AS i, unnest([${xs.map((x) => lit(String(x))).join(', ')}]::DOUBLE[]) AS x) ORDER BY i`;
    const rows = await readRows(conn, sql);
    conn.closeSync();
    const wrong = rows.filter((row) => row.s !== String(xs[Number(row.i)]));
    expect(wrong.slice(0, 5).map((w) => [String(xs[Number(w.i)]), w.s])).toEqual([]);
  });
});
