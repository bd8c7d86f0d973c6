// Unique usage queries answered from distinct_1d (serves.ts decides when). Its rows are presented
// under meter_rows' column names (day AS time), so the raw path's compilers apply unchanged: a
// day's row stands at its UTC midnight, which falls in the same window as every row of that day
// when every window edge is a UTC midnight. Duplicate rows of a day not merged yet change nothing:
// each read keeps distinct values.
import type { BaseUsageQuery, Bucketing } from '../../../query/planned-query.js';
import { compileCoverage, compileFirstSeen, compileUnique } from '../compile-usage.js';
import { distinctServes } from './serves.js';

const DISTINCT_ROWS = '(SELECT account_id, meter_id, day AS time, value_text FROM distinct_1d)';

function served(q: BaseUsageQuery, period?: Bucketing): void {
  if (!distinctServes(q, period)) {
    throw new Error('the daily distinct values cannot answer this query: read the meter rows');
  }
}

/** compileUnique(q) over distinct_1d. */
export function compileUniqueFromDistinct(q: BaseUsageQuery): string {
  served(q);
  return compileUnique(q, DISTINCT_ROWS);
}

/** compileFirstSeen(q, period) over distinct_1d. */
export function compileFirstSeenFromDistinct(q: BaseUsageQuery, period: Bucketing): string {
  served(q, period);
  return compileFirstSeen(q, period, DISTINCT_ROWS);
}

/** compileCoverage(q, span) over distinct_1d. */
export function compileCoverageFromDistinct(q: BaseUsageQuery, span: number): string {
  served(q);
  return compileCoverage(q, span, DISTINCT_ROWS);
}
