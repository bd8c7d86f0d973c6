// Where archived months live: one Parquet file per month and table under archive/, named by the
// month and a generation that grows with each rewrite of that month's file (a month archived
// again with late rows, or a meter's rows dropped by a backfill).
import { join } from 'node:path';

export const ARCHIVE_DIR = 'archive';

export type ArchivedTable = 'events' | 'meter_rows';

/** One row of archive_months: a closed month's current files and their row counts. */
export interface ArchivedMonth {
  /** Start of the UTC month, epoch ms. */
  month: number;
  eventsGen: number;
  events: number;
  rowsGen: number;
  meterRows: number;
}

/** `2025-03` for the month starting at `month`. */
export function monthLabel(month: number): string {
  return new Date(month).toISOString().slice(0, -17);
}

export function archiveFileName(table: ArchivedTable, month: number, gen: number): string {
  if (!Number.isInteger(gen) || gen < 1) throw new Error(`bad archive generation ${gen}`);
  return `${monthLabel(month)}.${table}.g${gen}.parquet`;
}

/** The absolute paths of a month's current files, events first. */
export function filesOf(dir: string, m: ArchivedMonth): [string, string] {
  return [
    join(dir, archiveFileName('events', m.month, m.eventsGen)),
    join(dir, archiveFileName('meter_rows', m.month, m.rowsGen)),
  ];
}
