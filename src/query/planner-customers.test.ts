// The planner's part of customers: it reads only what the customer service resolved
// (UsageQuery.customers) and turns it into filters and the customer key; no I/O.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-errors.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import { planUsage } from './planner.js';
import type { UsageQuery } from './usage-query.js';

const meter: MeterDefinition = {
  id: 'm1',
  accountId: 'a1',
  slug: 'calls',
  name: 'calls',
  aggregation: 'UNIQUE_COUNT',
  eventType: 'call',
  valueProperty: '$.user',
  dimensions: [['region', '$.region']],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const q = (over: Partial<UsageQuery>): UsageQuery => ({
  meterSlug: 'calls',
  from: 0,
  to: 86_400_000,
  timeZone: 'UTC',
  groupBy: [],
  subjects: [],
  filters: {},
  mode: { kind: 'incremental' },
  fillZero: false,
  ...over,
});

const attribution: [string, string][] = [
  ['s1', 'c1'],
  ['s2', 'c1'],
];

describe('planner: customers', () => {
  it('groups by customer_id through the resolved subject list', () => {
    const plan = planUsage(
      meter,
      q({ groupBy: ['customer_id', 'region'], customers: { attribution } }),
    );
    expect(plan.store.groupBy).toEqual([
      { kind: 'customer', attribution },
      { kind: 'dim', slot: 0 },
    ]);
    expect(plan.keyNames).toEqual(['customer_id', 'region']);
  });

  it('a customer filter is the union of subjects, ANDed with the subject filter and a customer key', () => {
    const plan = planUsage(
      meter,
      q({ subjects: ['s2', 's9'], customers: { subjects: ['s1', 's2'], attribution: [] } }),
      ['s2', 's3'],
    );
    expect(plan.store.filter).toEqual({
      op: 'and',
      children: [
        { op: 'in', dim: { kind: 'subject' }, values: ['s2', 's9'] },
        { op: 'in', dim: { kind: 'subject' }, values: ['s1', 's2'] },
        { op: 'in', dim: { kind: 'subject' }, values: ['s2', 's3'] },
      ],
    });
  });

  it('without resolved customers customer_id is no dimension; a meter dimension of that name wins', () => {
    expect(() => planUsage(meter, q({ groupBy: ['customer_id'] }))).toThrow(ValidationError);
    const own: MeterDefinition = { ...meter, dimensions: [['customer_id', '$.cid']] };
    const plan = planUsage(own, q({ groupBy: ['customer_id'], customers: { attribution } }));
    expect(plan.store.groupBy).toEqual([{ kind: 'dim', slot: 0 }]);
  });
});
