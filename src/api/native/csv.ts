import type { MeterQueryResult } from '../../contract/meter-query.js';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV of a query result: window bounds, subject, one column per group-by dimension, value. */
export function toCsv(r: MeterQueryResult, groupBy: string[]): string {
  const dims = groupBy.filter((g) => g !== 'subject');
  const lines = [['windowStart', 'windowEnd', 'subject', ...dims, 'value'].map(cell).join(',')];
  for (const row of r.data) {
    lines.push(
      [
        row.windowStart,
        row.windowEnd,
        row.subject,
        ...dims.map((d) => row.groupBy[d] ?? null),
        row.value,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
