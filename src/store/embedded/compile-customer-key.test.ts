// Golden SQL of grouping by customer on DuckDB: a CASE over the closed subject -> customer list
// (every value through `lit`), so each aggregation is computed per customer by the engine itself.
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery } from '../../query/planned-query.js';
import { compileUnique, dimColumn } from './compile-usage.js';
import { rollupSlot } from './rollup/serves.js';

const customer = {
  kind: 'customer',
  attribution: [
    ['s1', 'c1'],
    ["it's", 'c1'],
    ['s3', 'c2'],
  ],
} as const;

describe('embedded SQL: the customer key', () => {
  it('maps subjects through a CASE, NULL for a subject of no customer', () => {
    expect(dimColumn(customer)).toBe(
      "(CASE subject WHEN 's1' THEN 'c1' WHEN 'it''s' THEN 'c1' WHEN 's3' THEN 'c2' END)",
    );
    expect(dimColumn({ kind: 'customer', attribution: [] })).toBe('CAST(NULL AS VARCHAR)');
  });

  it('groups a distinct count by it in SQL, and never reads the rollup (it keeps no subject)', () => {
    const q: BaseUsageQuery = {
      accountId: 'acc',
      meterId: 'm1',
      from: 0,
      to: 3_600_000,
      bucket: { kind: 'all' },
      groupBy: [customer],
    };
    expect(compileUnique(q)).toBe(
      `SELECT 0 AS w, ${dimColumn(customer)} AS k0, count(DISTINCT value_text) AS u FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 0 AND time < 3600000 GROUP BY w, k0`,
    );
    expect(rollupSlot(q, 1)).toBeUndefined();
    expect(rollupSlot({ ...q, groupBy: [] }, 1)).toBe('none');
  });
});
