// The sortable breakdown table: one row per group with its total over the range.
import { h } from './dom';
import { type BreakdownRow, formatValue, sortBreakdown } from './series';
import type { SortDir } from './view-state';

export interface TableSort {
  column: string;
  dir: SortDir;
}

/** Renders into `host`; header buttons call `onSort` (sorting is kept in the view state and URL). */
export function renderBreakdownTable(
  host: HTMLElement,
  rows: BreakdownRow[],
  groupBy: readonly string[],
  sort: TableSort,
  onSort: (next: TableSort) => void,
): BreakdownRow[] {
  const columns = [...groupBy, 'value'];
  const column = columns.includes(sort.column) ? sort.column : 'value';
  const sorted = sortBreakdown(rows, column, sort.dir);
  const header = columns.map((c) => {
    const active = c === column;
    const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const arrow = active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '';
    const button = h(
      'button',
      { type: 'button', className: 'sort', 'data-column': c },
      `${c === 'value' ? 'Value' : c}${arrow}`,
    );
    button.addEventListener('click', () => {
      const dir: SortDir = active
        ? sort.dir === 'asc'
          ? 'desc'
          : 'asc'
        : c === 'value'
          ? 'desc'
          : 'asc';
      onSort({ column: c, dir });
    });
    return h(
      'th',
      { scope: 'col', 'aria-sort': ariaSort, className: c === 'value' ? 'num' : null },
      button,
    );
  });
  const body = sorted.map((r) =>
    h(
      'tr',
      { 'data-group': r.key.id, className: r.key.other ? 'other' : null },
      // "Other" has no values, and is not a group of missing ones: named once, the rest blank.
      ...groupBy.map((d, i) =>
        h(
          'td',
          { 'data-dim': d },
          r.key.other ? (i === 0 ? 'Other' : '') : (r.key.values[d] ?? '(none)'),
        ),
      ),
      h('td', { className: 'num', 'data-value': r.value }, formatValue(r.value)),
    ),
  );
  const table = h(
    'table',
    { id: 'breakdown-table' },
    h('caption', { className: 'visually-hidden' }, 'Usage per group over the selected range'),
    h('thead', {}, h('tr', {}, ...header)),
    h('tbody', {}, ...body),
  );
  host.replaceChildren(table);
  return sorted;
}
