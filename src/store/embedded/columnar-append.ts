import type { DuckDBAppender } from '@duckdb/node-api';
import type { IngestItem } from '../../ingest/stored-event.js';
import { identityHash } from '../../lib/hash.js';
import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';
import { CHUNK_ROWS, ChunkWriter, type ColumnKind } from './chunk-writer.js';
import { DAY_MS } from './compaction-policy.js';
import { subjectBucket } from './subject-bucket.js';

// Column types in table order (schema.ts). They must equal the tables' types exactly: the
// appender would otherwise cast every chunk.
const EVENT_KINDS: readonly ColumnKind[] = [
  'varchar', // account_id
  'ubigint', // key_hash
  'varchar', // id
  'varchar', // source
  'varchar', // type
  'varchar', // subject
  'bigint', // time
  'bigint', // ingested_at
  'varchar', // data
];
const FIRST_DIM = 6;
const ROW_KINDS: readonly ColumnKind[] = [
  'varchar', // meter_id
  'varchar', // account_id
  'bigint', // time
  'varchar', // subject
  'double', // value
  'varchar', // value_text
  ...Array.from({ length: MAX_DIMENSIONS }, (): ColumnKind => 'varchar'), // g0..g15
  'usmallint', // sb
];

/**
 * Appends ingest items to `events` and `meter_rows` a data chunk (up to 2048 rows) at a time
 * instead of value by value: the row appender costs one native call per value (25 per meter
 * row), a chunk one per column, plus one per varying non-null string (chunk-writer.ts). The rows are the ones the row
 * appender writes (same key_hash, time, subject bucket), so either may fold the same log.
 * The appenders still need a flush and the caller's transaction its commit.
 */
export class ColumnarAppender {
  private readonly ev: ChunkWriter;
  private readonly rw: ChunkWriter;

  constructor(events: DuckDBAppender, meterRows: DuckDBAppender) {
    this.ev = new ChunkWriter(events, EVENT_KINDS);
    this.rw = new ChunkWriter(meterRows, ROW_KINDS);
  }

  /**
   * The fold's form: every item of `records`, with the meter rows
   * counted per UTC day into `days`, yielding to the event loop after each chunk's worth of events
   * (appending is synchronous native work, and a fold must not stall queued requests).
   */
  async appendRecords(
    records: readonly { items: readonly IngestItem[] }[],
    days?: Map<number, number>,
  ): Promise<void> {
    let slice: IngestItem[] = [];
    for (const record of records) {
      for (const item of record.items) {
        slice.push(item);
        if (slice.length < CHUNK_ROWS) continue;
        this.append(slice, days);
        slice = [];
        await new Promise((r) => setImmediate(r));
      }
    }
    this.append(slice, days);
  }

  /** Synchronous: a caller keeping the event loop responsive passes a few thousand at a time. */
  append(items: readonly IngestItem[], days?: Map<number, number>): void {
    const ev = this.ev;
    const rw = this.rw;
    for (const { event: e, rows } of items) {
      const [hi, lo] = identityHash(e.accountId, e.source, e.id);
      ev.str(0, e.accountId);
      ev.u64(1, hi, lo);
      ev.str(2, e.id);
      ev.str(3, e.source);
      ev.str(4, e.type);
      ev.str(5, e.subject);
      ev.i64(6, e.time);
      ev.i64(7, e.ingestedAt);
      ev.str(8, e.data);
      ev.end();
      if (rows.length === 0) continue;
      if (days) {
        const day = Math.floor(e.time / DAY_MS);
        days.set(day, (days.get(day) ?? 0) + rows.length);
      }
      const sb = subjectBucket(e.subject);
      for (const row of rows) {
        rw.str(0, row.meterId);
        rw.str(1, e.accountId);
        rw.i64(2, e.time);
        rw.str(3, e.subject);
        rw.f64(4, row.value);
        rw.str(5, row.valueText);
        for (let d = 0; d < MAX_DIMENSIONS; d++) rw.str(FIRST_DIM + d, row.dims[d] ?? null);
        rw.u16(FIRST_DIM + MAX_DIMENSIONS, sb);
        rw.end();
      }
    }
    ev.flush();
    rw.flush();
  }

  /** Forgets values not yet handed to the appenders (after a failed fold, with the appenders' clear). */
  discard(): void {
    this.ev.discard();
    this.rw.discard();
  }
}
