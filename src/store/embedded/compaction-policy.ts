// Which time chunks of meter_rows the embedded store rewrites sorted by (account, meter, subject
// bucket, time). Pure: the store keeps the activity and runs the chunks this returns.
//
// Rows arrive in time order, every subject mixed into every row group, so a query for one subject
// reads all rows of its time range. Rewriting a closed chunk sorted by subject lets DuckDB's
// per-row-group min/max skip the other subjects. Days are rewritten when they close (that helps
// once a day holds several row groups of 122,880 rows); months, when they close, move into the
// archive, written sorted into files of their own (the whole month's rows of one subject
// together); a chunk is left alone while rows still arrive for it.

export const DAY_MS = 86_400_000;

/** The order a rewritten chunk's rows are stored in (subject-bucket.ts for `sb`). */
export const COMPACTED_ORDER = 'account_id, meter_id, sb, time';

/** Rows appended to one UTC day since its last rewrite. */
export interface DayActivity {
  rows: number;
  lastAppendAt: number;
}

export interface CompactionSettings {
  /** A chunk is rewritten only when it ended at least this long ago (late events). */
  lateMs: number;
  /** ...and no rows arrived for it during this long. */
  quietMs: number;
  /** Rows added since a chunk's last rewrite, as a fraction of its rows, that warrant another. */
  rewriteFraction: number;
}

export const DEFAULT_COMPACTION: CompactionSettings = {
  lateMs: 3_600_000,
  quietMs: 10_000,
  rewriteFraction: 0.05,
};

export interface Chunk {
  kind: 'day' | 'month';
  start: number;
  end: number;
  /** The UTC day numbers (days since the epoch) the chunk covers that had activity. */
  days: number[];
}

export function monthBounds(day: number): [number, number] {
  const d = new Date(day * DAY_MS);
  return [
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  ];
}

/** Key of a chunk in the `rewritten` map (a month and its first day start at the same instant). */
export function chunkKey(kind: Chunk['kind'], start: number): string {
  return `${kind}:${start}`;
}

/**
 * The chunks to rewrite now. `activity` holds days with rows appended since their last rewrite
 * (rows 0: rewritten as a day, the month not yet); `rewritten` the row count of each chunk's last
 * rewrite by `chunkKey`.
 */
export function dueChunks(
  activity: ReadonlyMap<number, DayActivity>,
  rewritten: ReadonlyMap<string, number>,
  now: number,
  s: CompactionSettings = DEFAULT_COMPACTION,
): Chunk[] {
  const months = new Map<number, number[]>();
  for (const day of activity.keys()) {
    const [start] = monthBounds(day);
    months.set(start, [...(months.get(start) ?? []), day]);
  }
  const worth = (kind: Chunk['kind'], start: number, added: number) => {
    const before = rewritten.get(chunkKey(kind, start));
    return before === undefined || added > before * s.rewriteFraction;
  };
  const quiet = (day: number) => (activity.get(day)?.lastAppendAt ?? 0) <= now - s.quietMs;
  const out: Chunk[] = [];
  for (const [start, days] of months) {
    days.sort((a, b) => a - b);
    const [, end] = monthBounds(days[0] as number);
    if (end <= now - s.lateMs) {
      const added = days.reduce((n, d) => n + (activity.get(d)?.rows ?? 0), 0);
      if (days.every(quiet) && worth('month', start, added))
        out.push({ kind: 'month', start, end, days });
      continue;
    }
    for (const day of days) {
      const rows = activity.get(day)?.rows ?? 0;
      const dayEnd = (day + 1) * DAY_MS;
      if (rows > 0 && dayEnd <= now - s.lateMs && quiet(day) && worth('day', day * DAY_MS, rows)) {
        out.push({ kind: 'day', start: day * DAY_MS, end: dayEnd, days: [day] });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The activity a store resumes with after a restart, from what the table holds now (`dayRows`,
 * rows per UTC day) and what compaction last sorted (`sortedDays`, each day's rows at its last
 * rewrite; `rewritten`, by `chunkKey`). A day whose count changed has rows to sort (deletes
 * count as changes too); an unchanged day of a month whose count differs from its last month
 * rewrite joins with 0 rows, so that the month is still rewritten as a whole once it closes.
 */
export function resumedActivity(
  dayRows: ReadonlyMap<number, number>,
  sortedDays: ReadonlyMap<number, number>,
  rewritten: ReadonlyMap<string, number>,
): Map<number, DayActivity> {
  const out = new Map<number, DayActivity>();
  const monthRows = new Map<number, number>();
  for (const [day, rows] of dayRows) {
    const [start] = monthBounds(day);
    monthRows.set(start, (monthRows.get(start) ?? 0) + rows);
    const sorted = sortedDays.get(day);
    if (sorted !== rows) out.set(day, { rows: Math.abs(rows - (sorted ?? 0)), lastAppendAt: 0 });
  }
  for (const day of dayRows.keys()) {
    const [start] = monthBounds(day);
    if (!out.has(day) && rewritten.get(chunkKey('month', start)) !== monthRows.get(start))
      out.set(day, { rows: 0, lastAppendAt: 0 });
  }
  return out;
}
