// Shapes API rows into what the chart, table and CSV show: one series per group, one row per group.
import type { UsageRow } from './api-client';

export interface GroupKey {
  /** Stable identity of the group, e.g. "subject=a|model=gpt-4". */
  id: string;
  /** Dimension name to value, in group-by order. */
  values: Record<string, string | null>;
}

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

export function groupValue(row: UsageRow, dim: string): string | null {
  if (dim === 'subject') return row.subject ?? null;
  return row.groupBy?.[dim] ?? null;
}

export function groupKey(row: UsageRow, groupBy: readonly string[]): GroupKey {
  const values: Record<string, string | null> = {};
  for (const dim of groupBy) values[dim] = groupValue(row, dim);
  const id = groupBy.map((d) => `${d}=${values[d] ?? '∅'}`).join('|');
  return { id, values };
}

export function groupLabel(key: GroupKey, groupBy: readonly string[]): string {
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
  const sorted = [...groups.values()].sort((a, b) => a.key.id.localeCompare(b.key.id));
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
    const av = a.key.values[column] ?? '';
    const bv = b.key.values[column] ?? '';
    return av.localeCompare(bv, undefined, { numeric: true }) * sign;
  };
  return [...rows].sort((a, b) => cmp(a, b) || a.key.id.localeCompare(b.key.id));
}

export function formatValue(v: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 }).format(v);
}
