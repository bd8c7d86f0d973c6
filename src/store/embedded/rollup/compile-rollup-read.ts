// Numeric usage queries answered from rollup_15m, or for tracked subjects from subject_rollup_15m. The rollup rows are presented under meter_rows'
// column names (bucket AS time, dim AS g<slot>), so the raw path's window, range and filter SQL
// apply unchanged, and the result has compileNumeric's columns in its order and types: the
// store's decoder is shared. Partials combine exactly as the raw aggregates: counts and sums add,
// min of mins, max of maxes, and the greatest (time, value) pair of the partials' pairs.
import type { BaseUsageQuery, GroupEstimateQuery } from '../../../query/planned-query.js';
import { dimColumn, meterRowsWhere, windowExpr } from '../compile-usage.js';
import { lit } from '../sql-quote.js';
import { NO_SLOT } from './schema.js';
import { type RollupSlot, referencedSlots, referencesSubject } from './serves.js';

/**
 * Which rollup rows a read takes: rollup_15m's (over all subjects), or subject_rollup_15m's, which
 * carry the subject (and its bucket sb, which the raw path's subject filter also names).
 */
export type RollupTable = 'all' | 'subject';

/** rollup_15m rows of one slot, under the names meter_rows gives the same facts. */
function rollupRows(
  q: Pick<GroupEstimateQuery, 'groupBy' | 'filter'>,
  slot: RollupSlot,
  table: RollupTable,
): string {
  const wanted = referencedSlots(q);
  if (wanted.some((s) => s !== slot)) {
    throw new Error(`rollup slot ${slot} cannot serve dimension slots ${wanted.join(', ')}`);
  }
  if (table === 'all' && referencesSubject(q)) throw new Error('the rollup keeps no subject');
  const dim = slot === 'none' ? '' : `, dim AS ${dimColumn({ kind: 'dim', slot })}`;
  const [subject, from] =
    table === 'subject' ? [', subject, sb', 'subject_rollup_15m'] : ['', 'rollup_15m'];
  return `(SELECT account_id, meter_id${subject}, bucket AS time${dim}, value_count, value_sum, value_min, value_max, latest_time, latest_value FROM ${from} WHERE slot = ${lit(slot === 'none' ? NO_SLOT : slot)})`;
}

/** compileNumeric(q) over rollup_15m: same columns, same order, same types, same rows. */
export function compileNumericFromRollup(
  q: BaseUsageQuery,
  slot: RollupSlot,
  table: RollupTable = 'all',
): string {
  const keys = q.groupBy.map((_, i) => `k${i}`);
  const keyColumns = q.groupBy.map((d, i) => `${dimColumn(d)} AS k${i}`);
  const latest = q.latest
    ? ', max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt'
    : '';
  // sum() of BIGINT is HUGEINT in DuckDB; count() is BIGINT.
  const inner = `SELECT ${[`${windowExpr(q.bucket)} AS w`, ...keyColumns].join(', ')}, CAST(sum(value_count) AS BIGINT) AS c, sum(value_sum) AS s, min(value_min) AS mn, max(value_max) AS mx${latest} FROM ${rollupRows(q, slot, table)} WHERE ${meterRowsWhere(q)} GROUP BY ${['w', ...keys].join(', ')}`;
  if (!q.latest) return inner;
  return `SELECT ${['w', ...keys].join(', ')}, c, s, mn, mx, lt.t AS lt_time, lt.v AS lt_value FROM (${inner})`;
}

/**
 * compileEstimateGroups(q) over rollup_15m. The rollup holds exactly the raw rows' distinct key
 * tuples, and a HyperLogLog sketch depends only on that set, so the estimate is the same number.
 */
export function compileEstimateGroupsFromRollup(
  q: GroupEstimateQuery,
  slot: RollupSlot,
  table: RollupTable = 'all',
): string {
  const keys = q.groupBy.map(dimColumn).join(', ');
  return `SELECT approx_count_distinct(hash(${keys})) AS g FROM ${rollupRows(q, slot, table)} WHERE ${meterRowsWhere(q)}`;
}
