// A fold's rollup rows, aggregated in memory from the items it writes (they are at hand, so no
// staging table and no second pass over meter_rows). Exactly compileRollupFold's aggregate: per
// (account, meter, bucket, slot, dim) the count of non-null values, their sum, min and max, and
// the greatest (time, value) pair among them; a key whose values are all null still gets a row.
import type { MeterRow } from '../../../meter/meter-definition.js';
import { DAY_MS } from '../compaction-policy.js';
import { bucketOf, NO_SLOT, ROLLUP_BUCKET_MS } from './schema.js';

/** One row of rollup_15m: a partial aggregate (columns in table order). */
export interface RollupRow {
  accountId: string;
  meterId: string;
  /** subject_rollup_15m only: the subject the row aggregates (and its bucket, sb). */
  subject?: string;
  bucket: number;
  slot: number;
  dim: string | null;
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  latestTime: number | null;
  latestValue: number | null;
}

/** Partial rows one UTC day (days since the epoch) received, and the span of their buckets. */
export interface DayPartials {
  rows: number;
  /** First bucket start and last bucket end (exclusive) of the rows. */
  from: number;
  to: number;
}

export type PartialsByDay = Map<number, DayPartials>;

/** Adds `more`'s rows and spans to `into` (copied, never shared) and returns `into`. */
export function addPartials(into: PartialsByDay, more: PartialsByDay): PartialsByDay {
  for (const [day, a] of more) {
    const p = into.get(day);
    if (!p) into.set(day, { ...a });
    else {
      p.rows += a.rows;
      p.from = Math.min(p.from, a.from);
      p.to = Math.max(p.to, a.to);
    }
  }
  return into;
}

/** Running aggregate of one key; `count` 0 means every value was null (the others unset). */
interface Acc {
  count: number;
  sum: number;
  min: number;
  max: number;
  lt: number;
  lv: number;
}

/** The keys of one (account, meter, bucket): slot -1, and per slot its dimension values. */
interface Group {
  accountId: string;
  meterId: string;
  subject: string | undefined;
  bucket: number;
  all: Acc;
  slots: Map<string | null, Acc>[];
}

function acc(): Acc {
  return { count: 0, sum: 0, min: 0, max: 0, lt: 0, lv: 0 };
}

function add(a: Acc, value: number, time: number): void {
  if (a.count === 0) {
    a.sum = value;
    a.min = value;
    a.max = value;
    a.lt = time;
    a.lv = value;
  } else {
    a.sum += value;
    if (value < a.min) a.min = value;
    if (value > a.max) a.max = value;
    if (time > a.lt || (time === a.lt && value > a.lv)) {
      a.lt = time;
      a.lv = value;
    }
  }
  a.count++;
}

/**
 * A meter's dimension count when the fold writes rows for it (and the subject, for a fold per
 * subject), else undefined.
 */
export type FoldDimensions = (meterId: string, subject: string) => number | undefined;

export class RollupFold {
  private readonly groups = new Map<string, Group>();
  private last: Group | undefined;
  private lastMeter = '';
  private lastSubject = '';
  private lastDimensions: number | undefined;
  private lastDropped: ReadonlySet<number> = new Set();

  constructor(
    /** Which meters (and subjects) get rows, with their dimension count (rollup-meters.ts). */
    private readonly dimensionsOf: FoldDimensions,
    /** Slots left out of a meter's rollup (rollup-meters.ts). */
    private readonly droppedOf: (meterId: string) => ReadonlySet<number> = () => new Set(),
    /** Rows per subject (subject_rollup_15m) instead of over all subjects (rollup_15m). */
    private readonly bySubject = false,
  ) {}

  /** The meter rows of one event (its account, subject and time) into the aggregate. */
  add(accountId: string, time: number, rows: readonly MeterRow[], subject = ''): void {
    let bucket = Number.NaN;
    for (const row of rows) {
      // Events carry their meters' rows in a stable order: remember the last meter's answer.
      if (row.meterId !== this.lastMeter || subject !== this.lastSubject) {
        this.lastMeter = row.meterId;
        this.lastSubject = subject;
        this.lastDimensions = this.dimensionsOf(row.meterId, subject);
        this.lastDropped = this.droppedOf(row.meterId);
      }
      const dimensions = this.lastDimensions;
      if (dimensions === undefined) continue;
      const dropped = this.lastDropped;
      if (Number.isNaN(bucket)) bucket = bucketOf(time);
      const g = this.group(
        accountId,
        row.meterId,
        this.bySubject ? subject : undefined,
        bucket,
        dimensions,
      );
      const value = row.value;
      if (value === null) {
        for (let i = 0; i < dimensions; i++) {
          if (dropped.size === 0 || !dropped.has(i)) this.slotAcc(g, i, row.dims[i] ?? null);
        }
        continue;
      }
      add(g.all, value, time);
      for (let i = 0; i < dimensions; i++) {
        if (dropped.size === 0 || !dropped.has(i))
          add(this.slotAcc(g, i, row.dims[i] ?? null), value, time);
      }
    }
  }

  /** Rollup rows gathered so far. */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) {
      n++;
      for (const m of g.slots) n += m.size;
    }
    return n;
  }

  /** The rollup rows, grouped by (account, meter, bucket) in first-seen order. */
  *rows(): Generator<RollupRow> {
    for (const g of this.groups.values()) {
      yield row(g, NO_SLOT, null, g.all);
      for (const [slot, m] of g.slots.entries()) {
        for (const [dim, a] of m) yield row(g, slot, dim, a);
      }
    }
  }

  /** How many rows each UTC day received, for the merges of the recent tail (compactor.ts). */
  partials(): PartialsByDay {
    const out: PartialsByDay = new Map();
    for (const g of this.groups.values()) {
      let rows = 1;
      for (const m of g.slots) rows += m.size;
      const day = Math.floor(g.bucket / DAY_MS);
      const p = out.get(day);
      if (!p) out.set(day, { rows, from: g.bucket, to: g.bucket + ROLLUP_BUCKET_MS });
      else {
        p.rows += rows;
        p.from = Math.min(p.from, g.bucket);
        p.to = Math.max(p.to, g.bucket + ROLLUP_BUCKET_MS);
      }
    }
    return out;
  }

  private group(
    accountId: string,
    meterId: string,
    subject: string | undefined,
    bucket: number,
    dimensions: number,
  ): Group {
    const last = this.last;
    if (
      last !== undefined &&
      last.bucket === bucket &&
      last.meterId === meterId &&
      last.accountId === accountId &&
      last.subject === subject
    ) {
      return last;
    }
    const key = `${accountId}\u0000${meterId}\u0000${bucket}\u0000${subject ?? ''}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { accountId, meterId, subject, bucket, all: acc(), slots: [] };
      for (let i = 0; i < dimensions; i++) g.slots.push(new Map());
      this.groups.set(key, g);
    }
    this.last = g;
    return g;
  }

  private slotAcc(g: Group, slot: number, dim: string | null): Acc {
    const m = g.slots[slot] as Map<string | null, Acc>;
    let a = m.get(dim);
    if (!a) {
      a = acc();
      m.set(dim, a);
    }
    return a;
  }
}

function row(g: Group, slot: number, dim: string | null, a: Acc): RollupRow {
  const some = a.count > 0;
  return {
    accountId: g.accountId,
    meterId: g.meterId,
    ...(g.subject === undefined ? {} : { subject: g.subject }),
    bucket: g.bucket,
    slot,
    dim,
    count: a.count,
    sum: some ? a.sum : null,
    min: some ? a.min : null,
    max: some ? a.max : null,
    latestTime: some ? a.lt : null,
    latestValue: some ? a.lv : null,
  };
}
