// The raw-event read of an ad-hoc meter on a current ClickHouse (in-process chDB) must give every
// event the value and dimensions ingest gives it (meter/extract.ts), text for text.
import { query } from 'chdb';
import { describe, expect, it } from 'vitest';
import { TRICKY_VALUES } from '../../../../test/behaviour/tricky-values.js';
import type { Aggregation } from '../../../contract/vocabulary.js';
import { compileMeter, extractRow } from '../../../meter/extract.js';
import type { MeterDefinition } from '../../../meter/meter-definition.js';
import type { EventSource } from '../../../query/planned-query.js';
import { lit, litList } from '../quote.js';
import { eventRowsRelation, jsNumberText } from './event-source.js';

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

/** The relation's rows, with the events table replaced by the given `data` texts. */
function rawRows(source: EventSource, datas: unknown[]): Record<string, unknown>[] {
  const texts = datas.map((d) => JSON.stringify(d) ?? 'null');
  const table = `(SELECT 'acc' AS account_id, 't' AS type, 's' AS subject, toInt64(number) AS time, arrayElement([${litList(texts)}], number + 1) AS data FROM numbers(${lit(texts.length)}))`;
  const relation = eventRowsRelation(source, {
    accountId: 'acc',
    meterId: 'm',
    from: 0,
    to: texts.length,
  }).replace('FROM events WHERE', `FROM ${table} WHERE`);
  const out = query(`SELECT * FROM ${relation} ORDER BY time`, 'JSONEachRow');
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

describe('ad-hoc meter over raw events (ClickHouse, chDB) = ingest extraction', () => {
  for (const aggregation of ['SUM', 'UNIQUE_COUNT', 'COUNT'] as const) {
    it(`${aggregation}: value and dimensions of every tricky value`, () => {
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
      const rows = rawRows(source, datas);
      const cm = compileMeter(meterOf(aggregation));
      for (const [i, d] of datas.entries()) {
        const row = extractRow(cm, 0, JSON.parse(JSON.stringify(d) ?? 'null'));
        const r = rows[i] ?? {};
        expect(
          { value: num(r.value), valueText: r.value_text ?? null, dims: [r.g0, r.g1] },
          JSON.stringify(d),
        ).toEqual({
          value: row?.value ?? null,
          valueText: row?.valueText ?? null,
          dims: row?.dims,
        });
      }
    });
  }

  it('formats every double as String() does', () => {
    const xs: number[] = [];
    let seed = 11;
    const r = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 3000; i++) {
      xs.push((r() * 2 - 1) * 10 ** (Math.floor(r() * 50) - 25));
      xs.push((Math.round(r() * 1e6) / 1000) * 10 ** Math.floor(r() * 44 - 22));
    }
    const out = query(
      `SELECT groupArray(${jsNumberText('toFloat64(x)')}) AS s FROM (SELECT arrayJoin([${litList(xs.map(String))}]) AS x)`,
      'JSONEachRow',
    );
    const got: string[] = JSON.parse(out).s;
    const wrong = xs.filter((x, i) => got[i] !== String(x)).slice(0, 5);
    expect(wrong.map((x) => [String(x), got[xs.indexOf(x)]])).toEqual([]);
  });
});
