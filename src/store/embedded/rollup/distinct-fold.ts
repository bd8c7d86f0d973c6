// A fold's distinct_1d rows, gathered in memory from the items it writes: the distinct
// (account, meter, UTC day, value) of the meter rows of UNIQUE_COUNT meters that have a distinct
// rollup, a row without a value as NULL. Exactly compileDistinctFold's SELECT DISTINCT, the
// reference the tests compare with.
import type { MeterRow } from '../../../meter/meter-definition.js';
import { DAY_MS } from '../compaction-policy.js';
import { dayStartOf } from './distinct-schema.js';
import type { PartialsByDay } from './rollup-fold.js';

/** One row of distinct_1d (columns in table order); null for rows without a value. */
export interface DistinctRow {
  accountId: string;
  meterId: string;
  day: number;
  value: string | null;
}

/** The values one (account, meter, day) saw. */
interface Day {
  accountId: string;
  meterId: string;
  day: number;
  values: Set<string | null>;
}

export class DistinctFold {
  private readonly days = new Map<string, Day>();
  private last: Day | undefined;
  private lastMeter = '';
  private lastTracked = false;

  constructor(
    /** Whether folds write distinct rows for the meter (rollup-meters.ts). */
    private readonly tracked: (meterId: string) => boolean,
  ) {}

  /** The meter rows of one event (its account and time) into the sets. */
  add(accountId: string, time: number, rows: readonly MeterRow[]): void {
    for (const row of rows) {
      // Events carry their meters' rows in a stable order: remember the last meter's answer.
      if (row.meterId !== this.lastMeter) {
        this.lastMeter = row.meterId;
        this.lastTracked = this.tracked(row.meterId);
      }
      if (this.lastTracked) this.dayOf(accountId, row.meterId, time).values.add(row.valueText);
    }
  }

  /** Rows gathered so far. */
  get size(): number {
    let n = 0;
    for (const d of this.days.values()) n += d.values.size;
    return n;
  }

  *rows(): Generator<DistinctRow> {
    for (const { accountId, meterId, day, values } of this.days.values()) {
      for (const value of values) yield { accountId, meterId, day, value };
    }
  }

  /** How many rows each UTC day received (a whole day's span), for the merges (compactor.ts). */
  partials(): PartialsByDay {
    const out: PartialsByDay = new Map();
    for (const { day, values } of this.days.values()) {
      const p = out.get(day / DAY_MS);
      if (p) p.rows += values.size;
      else out.set(day / DAY_MS, { rows: values.size, from: day, to: day + DAY_MS });
    }
    return out;
  }

  private dayOf(accountId: string, meterId: string, time: number): Day {
    const day = dayStartOf(time);
    const last = this.last;
    if (last?.day === day && last.meterId === meterId && last.accountId === accountId) return last;
    const key = `${accountId}\u0000${meterId}\u0000${day}`;
    let d = this.days.get(key);
    if (!d) {
      d = { accountId, meterId, day, values: new Set() };
      this.days.set(key, d);
    }
    this.last = d;
    return d;
  }
}
