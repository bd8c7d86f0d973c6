import Table from 'cli-table3';

/** One column of a printed table: its header and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  align?: 'left' | 'right';
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A bordered table with the chosen columns only; no colours, so piped output stays plain text. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    colAligns: columns.map((c) => c.align ?? 'left'),
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
  return table.toString();
}

/** Prints a list as a table of a few columns, or as the full JSON the server answered. */
export function printList<T>(
  format: string,
  rows: readonly T[],
  columns: readonly Column<T>[],
): void {
  if (format === 'json') console.log(JSON.stringify(rows, null, 2));
  else console.log(renderTable(rows, columns));
}
