import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-errors.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import { compileInlineMeter, type InlineMeter, matchStoredMeter } from './inline-meter.js';

const stored: MeterDefinition = {
  id: 'id1',
  accountId: 'a',
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'call',
  valueProperty: '$.meta.tokens',
  dimensions: [
    ['model', '$.tags.model'],
    ['project_name', '$.tags.project.name'],
  ],
  createdAt: '',
  updatedAt: '',
};

const inline = (
  groupBy: Record<string, string>,
  extra: Partial<InlineMeter> = {},
): InlineMeter => ({
  aggregation: 'SUM',
  eventType: 'call',
  valueProperty: "$['meta']['tokens']",
  groupBy,
  ...extra,
});

describe('inline meters', () => {
  it('a stored meter with the same value and covering dimensions answers, renamed', () => {
    const m = matchStoredMeter(inline({ 'project.name': "$['tags']['project']['name']" }), [
      stored,
    ]);
    expect(m?.id).toBe('id1');
    expect(m?.dimensions.map(([n]) => n)).toEqual(['\u0000slot0', 'project.name']);
  });

  it('no match for another dimension, value, aggregation, event type or eventFrom', () => {
    for (const m of [
      inline({ tier: '$.tags.tier' }),
      inline({}, { valueProperty: '$.meta.cost' }),
      inline({}, { aggregation: 'MAX' }),
      inline({}, { eventType: 'other' }),
      inline({}, { eventFrom: '2024-01-01T00:00:00Z' }),
    ]) {
      expect(matchStoredMeter(m, [stored])).toBeUndefined();
    }
    expect(matchStoredMeter(inline({}), [{ ...stored, deletedAt: 'x' }])).toBeUndefined();
  });

  it('compiles to validated property keys', () => {
    expect(compileInlineMeter(inline({ t: '$.tags.a-b.c_1' }))).toEqual({
      eventType: 'call',
      aggregation: 'SUM',
      value: ['meta', 'tokens'],
      dims: [['tags', 'a-b', 'c_1']],
    });
  });

  it('refuses paths the raw-event read cannot take exactly', () => {
    for (const path of ['$.a[0]', "$['a b']", "$['x''y']", '$.a.123', '$.arr.length', 'a.b', '$']) {
      expect(() => compileInlineMeter(inline({ d: path })), path).toThrow(ValidationError);
    }
    expect(() => compileInlineMeter(inline({}, { valueProperty: undefined }))).toThrow(
      ValidationError,
    );
    expect(() => compileInlineMeter(inline({ subject: '$.s' }))).toThrow(ValidationError);
  });
});
