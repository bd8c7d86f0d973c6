// Joins the rows of several queries over the same windows and groups into one record per
// (window, group). Vendor responses report several metrics per row (e.g. Livepeer's viewCount and
// playtimeMins side by side) while every native meter answers one number, so profiles run one
// query per metric and join here. No aggregation happens: values are copied, never combined.

import type { UsageResult, UsageRow } from '../../../query/usage-query.js';

export interface JoinedRow {
  windowStart: number;
  windowEnd: number;
  /** Dimension values by name; "subject" holds the row's subject. */
  dims: Record<string, string | null>;
  values: Record<string, number>;
}

export function dimValue(row: UsageRow, dim: string): string | null {
  if (dim === 'subject') return row.subject ?? row.groupBy.subject ?? null;
  return row.groupBy[dim] ?? null;
}

/** Rows keyed by metric name; every result must have been grouped by the same `dims`. */
export function joinRows(
  results: Record<string, Pick<UsageResult, 'rows'>>,
  dims: readonly string[],
): JoinedRow[] {
  const byKey = new Map<string, JoinedRow>();
  for (const [metric, result] of Object.entries(results)) {
    for (const row of result.rows) {
      const values = dims.map((d) => dimValue(row, d));
      const key = JSON.stringify([row.windowStart, ...values]);
      let joined = byKey.get(key);
      if (!joined) {
        joined = {
          windowStart: row.windowStart,
          windowEnd: row.windowEnd,
          dims: Object.fromEntries(dims.map((d, i) => [d, values[i] ?? null])),
          values: {},
        };
        byKey.set(key, joined);
      }
      joined.values[metric] = row.value;
    }
  }
  return [...byKey.values()].sort((a, b) => a.windowStart - b.windowStart);
}
