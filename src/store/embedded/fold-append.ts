// How the fold hands events and their meter rows to DuckDB: row by row through the appenders of
// the writer connection. Kept apart so that a columnar version (data chunks) can replace it.
import type { DuckDBAppender } from '@duckdb/node-api';
import { identityHash } from '../../lib/hash.js';
import { MAX_DIMENSIONS, type RowWithEvent, type StoredEvent } from '../ports.js';
import { DAY_MS } from './compaction-policy.js';
import type { LogRecord } from './ingest-log.js';
import { subjectBucket } from './subject-bucket.js';

/** Events appended between yields to the event loop inside a fold. */
const YIELD_EVERY = 200;

/** Meter rows appended per UTC day (days since the epoch): compaction's activity. */
export type DayCounts = Map<number, number>;

/**
 * Appends every item of `records` to the `events` and `meter_rows` appenders (not flushed) and
 * counts the meter rows per day into `days`.
 */
export async function appendItems(
  records: readonly LogRecord[],
  events: DuckDBAppender,
  rows: DuckDBAppender,
  days: DayCounts,
): Promise<void> {
  let appended = 0;
  for (const record of records) {
    for (const item of record.items) {
      const e = item.event;
      appendEvent(events, e);
      for (const row of item.rows) {
        appendMeterRow(rows, { ...row, time: e.time, subject: e.subject }, e.accountId, days);
      }
      // Appending is synchronous native work: give queued requests the event loop now and
      // then, so a large fold does not stall them for its whole duration.
      if (++appended % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
  }
}

function appendEvent(a: DuckDBAppender, e: StoredEvent): void {
  const [hi, lo] = identityHash(e.accountId, e.source, e.id);
  a.appendVarchar(e.accountId);
  a.appendUBigInt((BigInt(hi) << 32n) | BigInt(lo));
  a.appendVarchar(e.id);
  a.appendVarchar(e.source);
  a.appendVarchar(e.type);
  a.appendVarchar(e.subject);
  a.appendBigInt(BigInt(e.time));
  a.appendBigInt(BigInt(e.ingestedAt));
  a.appendVarchar(e.data);
  a.endRow();
}

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
