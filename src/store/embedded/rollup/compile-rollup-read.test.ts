import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery } from '../../../query/planned-query.js';
import { subjectBucket } from '../subject-bucket.js';
import {
  compileEstimateGroupsFromRollup,
  compileNumericFromRollup,
} from './compile-rollup-read.js';

const base: BaseUsageQuery = {
  accountId: 'acc',
  meterId: 'm1',
  from: 900_000,
  to: 7_200_000,
  bucket: { kind: 'uniform', origin: 0, width: 3_600_000 },
  groupBy: [{ kind: 'dim', slot: 2 }],
};

const SLOT_2 =
  '(SELECT account_id, meter_id, bucket AS time, dim AS g2, value_count, value_sum, value_min, value_max, latest_time, latest_value FROM rollup_15m WHERE slot = 2)';

describe('rollup read SQL (golden)', () => {
  it('numeric aggregation from one slot', () => {
    expect(compileNumericFromRollup(base, 2)).toBe(
      `SELECT ((time - 0) // 3600000) AS w, g2 AS k0, CAST(sum(value_count) AS BIGINT) AS c, sum(value_sum) AS s, min(value_min) AS mn, max(value_max) AS mx FROM ${SLOT_2} WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 900000 AND time < 7200000 GROUP BY w, k0`,
    );
  });

  it('numeric aggregation with latest, from the no-dimension rows', () => {
    const q: BaseUsageQuery = { ...base, groupBy: [], latest: true };
    expect(compileNumericFromRollup(q, 'none')).toBe(
      "SELECT w, c, s, mn, mx, lt.t AS lt_time, lt.v AS lt_value FROM (SELECT ((time - 0) // 3600000) AS w, CAST(sum(value_count) AS BIGINT) AS c, sum(value_sum) AS s, min(value_min) AS mn, max(value_max) AS mx, max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt FROM (SELECT account_id, meter_id, bucket AS time, value_count, value_sum, value_min, value_max, latest_time, latest_value FROM rollup_15m WHERE slot = -1) WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 900000 AND time < 7200000 GROUP BY w)",
    );
  });

  it('a filter on the dimension it reads', () => {
    const q: BaseUsageQuery = {
      ...base,
      filter: { op: 'like', dim: { kind: 'dim', slot: 2 }, value: "o'%" },
    };
    expect(compileNumericFromRollup(q, 2)).toContain("AND g2 LIKE 'o''%' GROUP BY w, k0");
  });

  it('group estimate', () => {
    expect(compileEstimateGroupsFromRollup(base, 2)).toBe(
      `SELECT approx_count_distinct(hash(g2)) AS g FROM ${SLOT_2} WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 900000 AND time < 7200000`,
    );
  });

  it('refuses a slot that does not hold the dimensions the query names, and the subject', () => {
    expect(() => compileNumericFromRollup(base, 1)).toThrow(/slot/);
    expect(() => compileNumericFromRollup(base, 'none')).toThrow(/slot/);
    const subject = { kind: 'subject' } as const;
    expect(() =>
      compileNumericFromRollup({ ...base, groupBy: [subject, { kind: 'dim', slot: 2 }] }, 2),
    ).toThrow(/subject/);
    expect(() =>
      compileEstimateGroupsFromRollup(
        { ...base, filter: { op: 'eq', dim: subject, value: 's' } },
        2,
      ),
    ).toThrow(/subject/);
  });

  it('per-subject rows: the subject and its bucket beside the others, for the subject filter', () => {
    const q: BaseUsageQuery = {
      ...base,
      groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: 2 }],
      filter: { op: 'eq', dim: { kind: 'subject' }, value: "c'1" },
    };
    const rows =
      '(SELECT account_id, meter_id, subject, sb, bucket AS time, dim AS g2, value_count, value_sum, value_min, value_max, latest_time, latest_value FROM subject_rollup_15m WHERE slot = 2)';
    const where = `meter_id = 'm1' AND account_id = 'acc' AND time >= 900000 AND time < 7200000 AND sb IN (${subjectBucket("c'1")}) AND subject = 'c''1'`;
    expect(compileNumericFromRollup(q, 2, 'subject')).toBe(
      `SELECT ((time - 0) // 3600000) AS w, subject AS k0, g2 AS k1, CAST(sum(value_count) AS BIGINT) AS c, sum(value_sum) AS s, min(value_min) AS mn, max(value_max) AS mx FROM ${rows} WHERE ${where} GROUP BY w, k0, k1`,
    );
    expect(compileEstimateGroupsFromRollup(q, 2, 'subject')).toBe(
      `SELECT approx_count_distinct(hash(subject, g2)) AS g FROM ${rows} WHERE ${where}`,
    );
  });
});
