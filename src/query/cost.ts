// The cost bound of usage queries. A query's size is its cells: output windows x groups (one
// result row each with fill=zero, and the size of the per-group arrays the evaluation holds
// either way). The usage service refuses a query whose estimate exceeds the budget before the
// store runs it, and counts again while it assembles the result, so that an estimate that was too
// low (data added since, an approximate count) still cannot grow the heap past the budget.
import { QueryTooExpensiveError } from '../errors/domain-errors.js';

export interface QueryLimits {
  /** Most cells (windows x groups, or result rows) one usage query may hold. */
  maxCells: number;
}

/**
 * Sized so that the largest allowed answer stays well under 300 MB of heap: a dense grouped query
 * held about 540 bytes per cell with everything alive at once (store rows, result rows, the wire
 * objects and the JSON text), 630 with CSV as well, so 250 000 cells hold about 135-160 MB.
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxCells: 250_000 };

const NARROW =
  'narrow it with a larger windowSize, a shorter range, fewer groupBy dimensions, or filters';

export function tooManyWindows(windows: number, max: number): QueryTooExpensiveError {
  return new QueryTooExpensiveError(
    `the query spans about ${windows} windows, more than the limit of ${max} cells per query; ${NARROW}`,
  );
}

export function tooManyCells(
  windows: number,
  groups: number,
  max: number,
  why: 'estimated' | 'counted',
): QueryTooExpensiveError {
  const verb = why === 'estimated' ? 'is estimated at' : 'reached';
  return new QueryTooExpensiveError(
    `the query ${verb} ${windows * groups} cells (${windows} windows x ${groups} groups), more than the limit of ${max} cells per query; ${NARROW}`,
  );
}

/** Counts cells while a result is assembled; throws as soon as the budget is exceeded. */
export class CellBudget {
  private groups = 0;
  private rows = 0;

  constructor(
    readonly max: number,
    private readonly windows: number,
  ) {}

  /** A new group whose series spans every window. */
  addGroup(): void {
    this.groups += 1;
    if (this.groups * this.windows > this.max) {
      throw tooManyCells(this.windows, this.groups, this.max, 'counted');
    }
  }

  /** One result row. */
  addRow(): void {
    this.rows += 1;
    if (this.rows > this.max) {
      throw new QueryTooExpensiveError(
        `the query reached more than ${this.max} result rows, the limit per query; ${NARROW}`,
      );
    }
  }

  /** Rows a store returned; the store was asked for at most `max + 1`. */
  checkStoreRows(n: number): void {
    if (n > this.max) {
      throw new QueryTooExpensiveError(
        `the query reached more than ${this.max} partial rows, the limit per query; ${NARROW}`,
      );
    }
  }
}

/** A budget that never refuses (pure evaluation in tests and callers without limits). */
export const UNLIMITED = (windows: number) => new CellBudget(Number.POSITIVE_INFINITY, windows);
