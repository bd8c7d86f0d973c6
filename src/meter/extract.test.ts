// extract() reads paths through generated accessors and skips scalarText's replacing pass when a
// string has no surrogate; the answers must be those of the plain reading: compileJsonPath, then
// the value rules as written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../lib/json-path.js';
import { compileMeter, extract } from './extract.js';
import type { MeterDefinition, MeterRow } from './meter-definition.js';
import { describeValueProblem, distinctValue, numericValue, scalarText } from './value-rules.js';

/** The extraction as the value rules state it, read with the reference path accessor. */
function reference(meter: MeterDefinition, data: unknown) {
  const dims = meter.dimensions.map(([, p]) => scalarText(compileJsonPath(p)(data)));
  if (meter.aggregation === 'COUNT') {
    return { row: { meterId: meter.id, value: 1, valueText: null, dims } };
  }
  const raw = meter.valueProperty ? compileJsonPath(meter.valueProperty)(data) : undefined;
  const judged = meter.aggregation === 'UNIQUE_COUNT' ? distinctValue(raw) : numericValue(raw);
  const row: MeterRow =
    meter.aggregation === 'UNIQUE_COUNT'
      ? { meterId: meter.id, value: null, valueText: judged.value as string | null, dims }
      : { meterId: meter.id, value: judged.value as number | null, valueText: null, dims };
  if (judged.reason === undefined) return { row };
  const field = meter.valueProperty ?? '';
  const message = describeValueProblem(meter.slug, field, judged.reason);
  return { row, problem: { meter: meter.slug, field, reason: judged.reason, message } };
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const scalar = fc.oneof(
  fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('a', '\u{1F600}', '1', ' ')) }),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constantFrom('12', ' -3.5e2 ', '1e400', '0x10', true, false, null, undefined, [], {}),
);
const data = fc.oneof(
  fc.record({ v: scalar, d: scalar, n: fc.record({ d: scalar }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(JSON.parse('{"__proto__":{"d":"p"},"v":"\\ud800x"}')),
);
const meter = fc
  .record({
    aggregation: fc.constantFrom('SUM', 'COUNT', 'UNIQUE_COUNT', 'AVG', 'MIN', 'MAX', 'LATEST'),
    valueProperty: fc.option(fc.constantFrom('$.v', '$.d', '$.n.d', '$.__proto__.d', '$[0]'), {
      nil: undefined,
    }),
    paths: fc.array(fc.constantFrom('$.d', '$.n.d', '$.v', '$.__proto__.d', '$.length'), {
      maxLength: 3,
    }),
  })
  .map(
    ({ aggregation, valueProperty, paths }): MeterDefinition => ({
      id: 'm1',
      accountId: 'a',
      slug: 'm',
      name: 'm',
      aggregation: aggregation as MeterDefinition['aggregation'],
      eventType: 't',
      ...(valueProperty ? { valueProperty } : {}),
      dimensions: paths.map((p, i) => [`d${i}`, p]),
      createdAt: '',
      updatedAt: '',
    }),
  );

describe('extract', () => {
  it('property: the rows and problems of the value rules, for any meter and data', () => {
    fc.assert(
      fc.property(meter, fc.array(data, { minLength: 1, maxLength: 5 }), (m, values) => {
        const cm = compileMeter(m);
        for (const v of values) expect(extract(cm, 0, v)).toStrictEqual(reference(m, v));
      }),
      { numRuns: 2000 },
    );
  });

  it('a meter does not cover events before its eventFrom', () => {
    const cm = compileMeter({
      id: 'm1',
      accountId: 'a',
      slug: 'm',
      name: 'm',
      aggregation: 'COUNT',
      eventType: 't',
      eventFrom: '2025-01-01T00:00:00Z',
      dimensions: [],
      createdAt: '',
      updatedAt: '',
    });
    const from = Date.parse('2025-01-01T00:00:00Z');
    expect(extract(cm, from - 1, {})).toBeUndefined();
    expect(extract(cm, from, {})?.row.value).toBe(1);
  });
});
