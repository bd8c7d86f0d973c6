import type { MeterQueryResult } from '../../contract/meter-query.js';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * CSV of a query result: window bounds, subject, one column per group-by dimension, value; and with
 * a group `limit`, a last column "other" (true on the rows of the other group, else empty).
 */
export function toCsv(r: MeterQueryResult, groupBy: string[], limited = false): string {
  const dims = groupBy.filter((g) => g !== 'subject');
  const header = ['windowStart', 'windowEnd', 'subject', ...dims, 'value'];
  const lines = [[...header, ...(limited ? ['other'] : [])].map(cell).join(',')];
  for (const row of r.data) {
    lines.push(
      [
        row.windowStart,
        row.windowEnd,
        row.subject,
        // Grouped by customer, the customer is the row's customerId, not one of its dimensions.
        ...dims.map((d) => row.groupBy[d] ?? (d === 'customer_id' ? row.customerId : null) ?? null),
        row.value,
        ...(limited ? [row.other ? 'true' : null] : []),
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
