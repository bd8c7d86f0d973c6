// CSV of exactly what the page shows: the chart's rows and the breakdown table, built from the same data.
import type { UsageRow } from './api-client';
import { type BreakdownRow, cellValue, groupKey } from './series';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function lines(rows: (string | number | null)[][]): string {
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** One line per window and group, in the order the API returned them. */
export function timeSeriesCsv(rows: readonly UsageRow[], groupBy: readonly string[]): string {
  const header = ['window_start', 'window_end', ...groupBy, 'value'];
  return lines([
    header,
    ...rows.map((r) => [
      r.windowStart,
      r.windowEnd,
      ...groupBy.map((d) => cellValue(groupKey(r, groupBy), d, groupBy)),
      r.value,
    ]),
  ]);
}

/** The breakdown table in its shown order. */
export function breakdownCsv(rows: readonly BreakdownRow[], groupBy: readonly string[]): string {
  const header = groupBy.length > 0 ? [...groupBy, 'value'] : ['value'];
  return lines([
    header,
    ...rows.map((r) => [...groupBy.map((d) => cellValue(r.key, d, groupBy)), r.value]),
  ]);
}

export function downloadText(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
