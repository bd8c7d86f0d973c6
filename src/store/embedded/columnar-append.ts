import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
  UBIGINT,
  USMALLINT,
  VARCHAR,
} from '@duckdb/node-api';
import { identityHash } from '../../lib/hash.js';
import { type IngestItem, MAX_DIMENSIONS } from '../ports.js';
import { CHUNK_ROWS, ChunkWriter } from './chunk-writer.js';
import { DAY_MS } from './compaction-policy.js';
import { subjectBucket } from './subject-bucket.js';

// Column types in table order (schema.ts). They must equal the tables' types exactly: the
// appender would otherwise cast every chunk.
const EVENT_TYPES: readonly DuckDBType[] = [
  VARCHAR, // account_id
  UBIGINT, // key_hash
  VARCHAR, // id
  VARCHAR, // source
  VARCHAR, // type
  VARCHAR, // subject
  BIGINT, // time
  BIGINT, // ingested_at
  VARCHAR, // data
];
const FIRST_DIM = 6;
const ROW_TYPES: readonly DuckDBType[] = [
  VARCHAR, // meter_id
  VARCHAR, // account_id
  BIGINT, // time
  VARCHAR, // subject
  DOUBLE, // value
  VARCHAR, // value_text
  ...Array.from({ length: MAX_DIMENSIONS }, () => VARCHAR), // g0..g15
  USMALLINT, // sb
];

/**
 * Appends ingest items to `events` and `meter_rows` a data chunk (up to 2048 rows) at a time
 * instead of value by value: the row appender costs one native call per value (25 per meter
 * row), a chunk one per column, plus one per non-null string. The rows are the ones the row
 * appender writes (same key_hash, time, subject bucket), so either may fold the same log.
 * The appenders still need a flush and the caller's transaction its commit.
 */
export class ColumnarAppender {
  private readonly ev: ChunkWriter;
  private readonly rw: ChunkWriter;

  constructor(events: DuckDBAppender, meterRows: DuckDBAppender) {
    this.ev = new ChunkWriter(events, EVENT_TYPES);
    this.rw = new ChunkWriter(meterRows, ROW_TYPES);
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
    // ingested_at is one value per acknowledged batch: convert it to a bigint once per run.
    let lastIngested = Number.NaN;
    let ingested = 0n;
    for (const { event: e, rows } of items) {
      const [hi, lo] = identityHash(e.accountId, e.source, e.id);
      const time = BigInt(e.time);
      if (e.ingestedAt !== lastIngested) {
        lastIngested = e.ingestedAt;
        ingested = BigInt(e.ingestedAt);
      }
      const ev = this.ev.cols;
      const i = this.ev.start();
      (ev[0] as DuckDBValue[])[i] = e.accountId;
      (ev[1] as DuckDBValue[])[i] = (BigInt(hi) << 32n) | BigInt(lo);
      (ev[2] as DuckDBValue[])[i] = e.id;
      (ev[3] as DuckDBValue[])[i] = e.source;
      (ev[4] as DuckDBValue[])[i] = e.type;
      (ev[5] as DuckDBValue[])[i] = e.subject;
      (ev[6] as DuckDBValue[])[i] = time;
      (ev[7] as DuckDBValue[])[i] = ingested;
      (ev[8] as DuckDBValue[])[i] = e.data;
      this.ev.end();
      if (rows.length === 0) continue;
      if (days) {
        const day = Math.floor(e.time / DAY_MS);
        days.set(day, (days.get(day) ?? 0) + rows.length);
      }
      const sb = subjectBucket(e.subject);
      for (const row of rows) {
        const rw = this.rw.cols;
        const j = this.rw.start();
        (rw[0] as DuckDBValue[])[j] = row.meterId;
        (rw[1] as DuckDBValue[])[j] = e.accountId;
        (rw[2] as DuckDBValue[])[j] = time;
        (rw[3] as DuckDBValue[])[j] = e.subject;
        (rw[4] as DuckDBValue[])[j] = row.value;
        (rw[5] as DuckDBValue[])[j] = row.valueText;
        for (let d = 0; d < MAX_DIMENSIONS; d++) {
          (rw[FIRST_DIM + d] as DuckDBValue[])[j] = row.dims[d] ?? null;
        }
        (rw[FIRST_DIM + MAX_DIMENSIONS] as DuckDBValue[])[j] = sb;
        this.rw.end();
      }
    }
    this.ev.flush();
    this.rw.flush();
  }

  /** Forgets values not yet handed to the appenders (after a failed fold, with the appenders' clear). */
  discard(): void {
    this.ev.discard();
    this.rw.discard();
  }
}
