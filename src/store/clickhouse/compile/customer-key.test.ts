// Golden SQL of grouping by customer: the subject -> customer list compiled into the query (every
// value through `lit`), so each aggregation is computed per customer by ClickHouse itself.
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery } from '../../../query/planned-query.js';
import { aggregateUniqueSql } from './aggregate-unique.js';
import { dimColumn, filterExpr } from './common.js';
import { estimateGroupsSql } from './estimate-groups.js';

const customer = {
  kind: 'customer',
  attribution: [
    ['s1', 'c1'],
    ["it's", 'c1'],
    ['s3', 'c2'],
  ],
} as const;

describe('ClickHouse SQL: the customer key', () => {
  it('maps subjects through transform(), NULL for a subject of no customer', () => {
    expect(dimColumn(customer)).toBe(
      "nullIf(transform(subject, ['s1', 'it\\'s', 's3'], ['c1', 'c1', 'c2'], ''), '')",
    );
    expect(dimColumn({ kind: 'customer', attribution: [] })).toBe('CAST(NULL AS Nullable(String))');
  });

  it('groups a distinct count by it in SQL', () => {
    const q: BaseUsageQuery = {
      accountId: 'acc',
      meterId: 'm1',
      from: 1000,
      to: 2000,
      bucket: { kind: 'all' },
      groupBy: [customer],
      filter: { op: 'in', dim: { kind: 'subject' }, values: ['s1', 's3'] },
    };
    const sql = aggregateUniqueSql(q, 7);
    expect(sql).toContain(`${dimColumn(customer)} AS k0`);
    expect(sql).toContain("subject IN ('s1', 's3')");
    expect(sql).toMatch(/GROUP BY w, k0/);
    expect(estimateGroupsSql(q, 7)).toContain(`isNull(${dimColumn(customer)})`);
  });

  it('filters by it like any dimension', () => {
    expect(filterExpr({ op: 'eq', dim: customer, value: 'c2' })).toBe(
      `${dimColumn(customer)} = 'c2'`,
    );
  });
});
