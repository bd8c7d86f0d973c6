// The raw-event read of an ad-hoc meter on a current ClickHouse (in-process chDB) must give every
// event the value and dimensions ingest gives it (meter/extract.ts), text for text.
import { query } from 'chdb';
import { describe, expect, it } from 'vitest';
import {
  rawReadCase,
  rawReadRow,
  sampleDoubles,
} from '../../../../test/behaviour/tricky-values.js';
import type { EventSource } from '../../../query/planned-query.js';
import { lit, litList } from '../quote.js';
import { eventRowsRelation, jsNumberText } from './event-source.js';

/** The relation's rows, with the events table replaced by the given `data` texts. */
function rawRows(source: EventSource, datas: unknown[]): Record<string, unknown>[] {
  const texts = datas.map((d) => JSON.stringify(d) ?? 'null');
  const table = `(SELECT 'acc' AS account_id, 'src' AS source, toString(number) AS id, 't' AS type, 's' AS subject, toInt64(number) AS time, toInt64(0) AS ingested_at, arrayElement([${litList(texts)}], number + 1) AS data FROM numbers(${lit(texts.length)}))`;
  const noVoids = `(SELECT '' AS account_id, '' AS source, '' AS id, toInt64(0) AS ingested_at, toInt64(0) AS voided_at LIMIT 0)`;
  const relation = eventRowsRelation(source, {
    accountId: 'acc',
    meterId: 'm',
    from: 0,
    to: texts.length,
  })
    .replace('FROM events WHERE', `FROM ${table} WHERE`)
    .replace('FROM event_voids WHERE', `FROM ${noVoids} WHERE`);
  const out = query(`SELECT * FROM ${relation} ORDER BY time`, 'JSONEachRow');
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

describe('ad-hoc meter over raw events (ClickHouse, chDB) = ingest extraction', () => {
  for (const aggregation of ['SUM', 'UNIQUE_COUNT', 'COUNT'] as const) {
    it(`${aggregation}: value and dimensions of every tricky value`, () => {
      const { datas, source, want } = rawReadCase(aggregation);
      const rows = rawRows(source, datas);
      for (const [i, w] of want.entries()) {
        expect(rawReadRow(rows[i] ?? {}), JSON.stringify(datas[i])).toEqual(w);
      }
    });
  }

  it('formats every double as String() does', () => {
    const xs = sampleDoubles();
    const out = query(
      `SELECT groupArray(${jsNumberText('toFloat64(x)')}) AS s FROM (SELECT arrayJoin([${litList(xs.map(String))}]) AS x)`,
      'JSONEachRow',
    );
    const got: string[] = JSON.parse(out).s;
    const wrong = xs.filter((x, i) => got[i] !== String(x)).slice(0, 5);
    expect(wrong.map((x) => [String(x), got[xs.indexOf(x)]])).toEqual([]);
  });
});
