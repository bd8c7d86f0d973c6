// Meter rows row by row through an appender, for backfill (a meter's rows re-extracted from its
// events). The fold of new events appends a chunk of columns at a time (columnar-append.ts).
import type { DuckDBAppender } from '@duckdb/node-api';
import { MAX_DIMENSIONS, type RowWithEvent } from '../../meter/meter-definition.js';
import { DAY_MS } from './compaction-policy.js';
import { subjectBucket } from './subject-bucket.js';

/** Meter rows appended per UTC day (days since the epoch): compaction's activity. */
export type DayCounts = Map<number, number>;

/** One meter_rows row, in the table's column order (schema.ts), counted into `days`. */
export function appendMeterRow(
  a: DuckDBAppender,
  row: RowWithEvent,
  accountId: string,
  days: DayCounts,
): void {
  a.appendVarchar(row.meterId);
  a.appendVarchar(accountId);
  a.appendBigInt(BigInt(row.time));
  a.appendVarchar(row.subject);
  if (row.value === null) a.appendNull();
  else a.appendDouble(row.value);
  if (row.valueText === null) a.appendNull();
  else a.appendVarchar(row.valueText);
  for (let i = 0; i < MAX_DIMENSIONS; i++) {
    const d = row.dims[i];
    if (d === null || d === undefined) a.appendNull();
    else a.appendVarchar(d);
  }
  a.appendUSmallInt(subjectBucket(row.subject));
  a.endRow();
  const day = Math.floor(row.time / DAY_MS);
  days.set(day, (days.get(day) ?? 0) + 1);
}
