import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, Bucketing } from '../../../query/planned-query.js';
import {
  compileCoverageFromDistinct,
  compileFirstSeenFromDistinct,
  compileUniqueFromDistinct,
} from './compile-distinct-read.js';

const DAY = 86_400_000;
const ROWS = '(SELECT account_id, meter_id, day AS time, value_text FROM distinct_1d)';
const WHERE = "meter_id = 'm''1' AND account_id = 'a' AND time >= 86400000 AND time < 864000000";
const days: Bucketing = { kind: 'uniform', origin: DAY, width: DAY };
const q: BaseUsageQuery = {
  accountId: 'a',
  meterId: "m'1",
  from: DAY,
  to: 10 * DAY,
  bucket: days,
  groupBy: [],
};

describe('unique reads over the daily distinct values (golden)', () => {
  it('counts distinct values per window from the day rows, under meter_rows column names', () => {
    expect(compileUniqueFromDistinct(q)).toBe(
      `SELECT ((time - 86400000) // 86400000) AS w, count(DISTINCT value_text) AS u FROM ${ROWS} WHERE ${WHERE} GROUP BY w`,
    );
  });

  it('first-seen windows per period, and coverage spans, skip the NULL rows', () => {
    const weeks: Bucketing = { kind: 'uniform', origin: DAY, width: 7 * DAY };
    expect(compileFirstSeenFromDistinct(q, weeks)).toBe(
      `SELECT p, w, count(*) AS c FROM (SELECT ((time - 86400000) // 604800000) AS p, value_text, min(((time - 86400000) // 86400000)) AS w FROM ${ROWS} WHERE ${WHERE} AND value_text IS NOT NULL GROUP BY p, value_text) GROUP BY p, w`,
    );
    expect(compileCoverageFromDistinct(q, 7)).toBe(
      `SELECT s, e, count(*) AS c FROM (SELECT w AS s, least(coalesce(lead(w) OVER (PARTITION BY value_text ORDER BY w), w + 7), w + 7) AS e FROM (SELECT DISTINCT ((time - 86400000) // 86400000) AS w, value_text FROM ${ROWS} WHERE ${WHERE} AND value_text IS NOT NULL)) GROUP BY s, e`,
    );
  });

  it('refuses a query the day rows cannot answer', () => {
    const hours: Bucketing = { kind: 'uniform', origin: DAY, width: 3_600_000 };
    expect(() => compileUniqueFromDistinct({ ...q, bucket: hours })).toThrow(/meter rows/);
    expect(() => compileFirstSeenFromDistinct(q, hours)).toThrow(/meter rows/);
    expect(() =>
      compileCoverageFromDistinct({ ...q, groupBy: [{ kind: 'dim', slot: 0 }] }, 7),
    ).toThrow(/meter rows/);
  });
});
