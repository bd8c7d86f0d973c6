// Values a sender might put where a meter expects a number or a tag: each store's raw-event read
// of an ad-hoc meter must treat every one of them as ingest extraction does.

import { compileMeter, extractRow } from '../../src/meter/extract.js';
import type { MeterDefinition } from '../../src/meter/meter-definition.js';
import type { EventSource } from '../../src/query/planned-query.js';

/** Values a sender might put where a number or a tag is expected. */
export const TRICKY_VALUES: unknown[] = [
  1,
  0,
  -0,
  1.5,
  -2.25,
  0.1,
  1 / 3,
  1e-7,
  1.5e-6,
  0.000123,
  1e20,
  1e21,
  1.5e22,
  123456789012.5,
  1234567890123456.8,
  9007199254740991,
  9007199254740992,
  -9007199254740992,
  12345678901234567e3,
  5e-324,
  1.7976931348623157e308,
  '12',
  ' 3.5 ',
  '\u00a07\u2028',
  '1.',
  '.5',
  '+4',
  '-1e3',
  '1E2',
  '0x10',
  '1_000',
  'Infinity',
  'NaN',
  '1e400',
  '',
  ' ',
  'abc',
  '9007199254740993',
  true,
  false,
  null,
  {},
  { a: 1 },
  [],
  [1, 2],
  'x\ud800y',
  'a\\ud800',
  'é😀',
  "o'brien",
  'back\\slash',
];

/**
 * One raw-event read case per aggregation: event `data` values (every tricky value as a value and
 * as a tag, and shapes without them), the ad-hoc source reading them, and per event what ingest
 * extraction gives (computed by meter/extract.ts, the reference). A store test feeds `datas` to its
 * compiled read and compares row i with `want[i]`.
 */
export function rawReadCase(aggregation: 'SUM' | 'UNIQUE_COUNT' | 'COUNT') {
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
  const meter: MeterDefinition = {
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
  const cm = compileMeter(meter);
  const want = datas.map((d) => {
    const row = extractRow(cm, 0, JSON.parse(JSON.stringify(d) ?? 'null'));
    return { value: row?.value ?? null, valueText: row?.valueText ?? null, dims: row?.dims };
  });
  return { datas, source, want };
}

/** A store's raw-read row in the shape of `rawReadCase().want`. */
export function rawReadRow(r: Record<string, unknown>) {
  const value = r.value === null || r.value === undefined ? null : Number(r.value);
  return { value, valueText: r.value_text ?? null, dims: [r.g0 ?? null, r.g1 ?? null] };
}

/** 6,000 doubles across the exponent range (a fixed seed), for number-to-text checks. */
export function sampleDoubles(): number[] {
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
  return xs;
}
