// Turns the view into the native API's query parameters (the same ones the tests send themselves).
import type { ViewState, WindowSize } from './view-state';

/** The customer, offered beside subject and the dimensions (OpenMeter's reserved group-by name). */
export const CUSTOMER_DIM = 'customer_id';

export interface QuerySpec {
  from: string;
  to: string;
  /** Undefined: one total row per group. */
  windowSize?: WindowSize;
  timeZone: string;
  groupBy: string[];
  filters: Record<string, string[]>;
  /** Ask for zero rows in empty windows (counts and sums, where no data means zero). */
  fillZero?: boolean;
  /** Grouped: the top groups to show, the rest as one "Other" (null: every group). */
  limit?: number | null;
}

/** Groups a grouped chart or table shows by name; the rest are one "Other" series and row. */
export const TOP_GROUPS = 10;

export function toQueryParams(q: QuerySpec): URLSearchParams {
  const p = new URLSearchParams();
  p.set('from', q.from);
  p.set('to', q.to);
  if (q.windowSize) p.set('windowSize', q.windowSize);
  p.set('windowTimeZone', q.timeZone);
  for (const g of q.groupBy) p.append('groupBy', g);
  for (const [dim, values] of Object.entries(q.filters)) {
    for (const v of values) {
      if (dim === 'subject') p.append('subject', v);
      else if (dim === CUSTOMER_DIM) p.append('filterCustomerId', v);
      else p.append(`filterGroupBy[${dim}]`, v);
    }
  }
  if (q.fillZero) p.set('fill', 'zero');
  const limit = q.limit === undefined ? TOP_GROUPS : q.limit;
  if (limit !== null && q.groupBy.length > 0) p.set('limit', String(limit));
  return p;
}

/** Filters that can be sent: dimensions of the meter (or subject) with at least one value. */
export function activeFilters(state: ViewState, dims: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [dim, values] of Object.entries(state.filters)) {
    const kept = values.filter((v) => v !== '');
    if (kept.length > 0 && (dim === 'subject' || dims.includes(dim))) out[dim] = kept;
  }
  return out;
}
