// Shapes API rows into what the chart, table and CSV show: one series per group, one row per group.
import type { UsageRow } from './api-client';

export interface GroupKey {
  /** Stable identity of the group, e.g. "subject=a|model=gpt-4"; OTHER_GROUP for "Other". */
  id: string;
  /** Dimension name to value, in group-by order (all null for "Other"). */
  values: Record<string, string | null>;
  /** Every group outside the top ones (the API's `other` rows), never a group of missing values. */
  other?: boolean;
}

/** The id of the "Other" group: no real group's id can be it (theirs are dim=value pairs). */
export const OTHER_GROUP = 'other';

export interface ChartSeries {
  /** The group's identity (GroupKey.id), to find its row in the breakdown. */
  id: string;
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** Window starts as ISO strings (from the API) and epoch seconds. */
  windowStarts: string[];
  x: number[];
  series: ChartSeries[];
}

/** What a table or CSV cell of `dim` shows for `key`: "Other" in the first column of that group. */
export function cellValue(key: GroupKey, dim: string, groupBy: readonly string[]): string | null {
  if (key.other) return dim === groupBy[0] ? 'Other' : '';
  return key.values[dim] ?? null;
}

export function groupValue(row: UsageRow, dim: string): string | null {
  if (dim === 'subject') return row.subject ?? null;
  if (dim === 'customer_id' && row.customerId !== undefined) return row.customerId;
  return row.groupBy?.[dim] ?? null;
}

export function groupKey(row: UsageRow, groupBy: readonly string[]): GroupKey {
  const values: Record<string, string | null> = {};
  for (const dim of groupBy) values[dim] = groupValue(row, dim);
  if (row.other) return { id: OTHER_GROUP, values, other: true };
  const id = groupBy.map((d) => `${d}=${values[d] ?? '∅'}`).join('|');
  return { id, values };
}

export function groupLabel(key: GroupKey, groupBy: readonly string[]): string {
  if (key.other) return 'Other';
  if (groupBy.length === 0) return 'Total';
  return groupBy.map((d) => `${d}: ${key.values[d] ?? '(none)'}`).join(' · ');
}

/** One series per group; windows without a row for a group are null (drawn as gaps, not zeros). */
export function toChartData(rows: readonly UsageRow[], groupBy: readonly string[]): ChartData {
  const starts = [...new Set(rows.map((r) => r.windowStart))].sort(
    (a, b) => Date.parse(a) - Date.parse(b),
  );
  const index = new Map(starts.map((s, i) => [s, i]));
  const groups = new Map<string, { key: GroupKey; values: (number | null)[] }>();
  for (const row of rows) {
    const key = groupKey(row, groupBy);
    let g = groups.get(key.id);
    if (!g) {
      g = { key, values: starts.map(() => null) };
      groups.set(key.id, g);
    }
    const i = index.get(row.windowStart) ?? 0;
    g.values[i] = (g.values[i] ?? 0) + row.value;
  }
  // "Other" last: after the named groups, in the legend and on top of the stacked bars.
  const sorted = [...groups.values()].sort(
    (a, b) => Number(!!a.key.other) - Number(!!b.key.other) || a.key.id.localeCompare(b.key.id),
  );
  return {
    windowStarts: starts,
    x: starts.map((s) => Date.parse(s) / 1000),
    series: sorted.map((g) => ({
      id: g.key.id,
      label: groupLabel(g.key, groupBy),
      values: g.values,
    })),
  };
}

export interface BreakdownRow {
  key: GroupKey;
  value: number;
}

/** The table's rows come from the API's window-less query, so distinct counts stay exact. */
export function toBreakdown(
  totals: readonly UsageRow[],
  groupBy: readonly string[],
): BreakdownRow[] {
  return totals.map((row) => ({ key: groupKey(row, groupBy), value: row.value }));
}

export function sortBreakdown(
  rows: BreakdownRow[],
  column: string,
  dir: 'asc' | 'desc',
): BreakdownRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const cmp = (a: BreakdownRow, b: BreakdownRow): number => {
    if (column === 'value') return (a.value - b.value) * sign;
    // By a dimension, "Other" has no value to sort by: it stays last.
    if (a.key.other || b.key.other) return Number(!!a.key.other) - Number(!!b.key.other);
    const av = a.key.values[column] ?? '';
    const bv = b.key.values[column] ?? '';
    return av.localeCompare(bv, undefined, { numeric: true }) * sign;
  };
  return [...rows].sort((a, b) => cmp(a, b) || a.key.id.localeCompare(b.key.id));
}

export function formatValue(v: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 }).format(v);
}
