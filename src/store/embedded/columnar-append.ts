import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
  UBIGINT,
  USMALLINT,
  VARCHAR,
} from '@duckdb/node-api';
import { identityHash } from '../../lib/hash.js';
import { type IngestItem, MAX_DIMENSIONS } from '../ports.js';
import { subjectBucket } from './subject-bucket.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

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

function columns(count: number, rows: number): DuckDBValue[][] {
  return Array.from({ length: count }, () => new Array<DuckDBValue>(rows));
}

/**
 * Appends ingest items to `events` and `meter_rows` a data chunk (up to 2048 rows) at a time
 * instead of value by value: the row appender costs one native call per value (25 per meter
 * row), a chunk one per column, plus one per non-null string. The rows are the ones the row
 * appender writes (same key_hash, time, subject bucket), so either may fold the same log.
 * Synchronous native work: a caller that must keep the event loop responsive appends a few
 * thousand items per call and yields between calls. The appenders still need a flush and the
 * caller's transaction commits.
 */
export class ColumnarAppender {
  // One reusable chunk per table: creating one is a native allocation of 2048 rows per column.
  private readonly eventChunk = DuckDBDataChunk.create(EVENT_TYPES);
  private readonly rowChunk = DuckDBDataChunk.create(ROW_TYPES);
  private ev = columns(EVENT_TYPES.length, CHUNK_ROWS);
  private evCount = 0;
  private rw = columns(ROW_TYPES.length, CHUNK_ROWS);
  private rwCount = 0;

  constructor(
    private readonly events: DuckDBAppender,
    private readonly meterRows: DuckDBAppender,
  ) {}

  append(items: readonly IngestItem[]): void {
    // BigInt conversions are the costly part of a row in JS: reuse them while values repeat.
    let lastIngested = Number.NaN;
    let ingested = 0n;
    for (const { event: e, rows } of items) {
      const [hi, lo] = identityHash(e.accountId, e.source, e.id);
      const time = BigInt(e.time);
      if (e.ingestedAt !== lastIngested) {
        lastIngested = e.ingestedAt;
        ingested = BigInt(e.ingestedAt);
      }
      const ev = this.ev;
      const i = this.evCount++;
      (ev[0] as DuckDBValue[])[i] = e.accountId;
      (ev[1] as DuckDBValue[])[i] = (BigInt(hi) << 32n) | BigInt(lo);
      (ev[2] as DuckDBValue[])[i] = e.id;
      (ev[3] as DuckDBValue[])[i] = e.source;
      (ev[4] as DuckDBValue[])[i] = e.type;
      (ev[5] as DuckDBValue[])[i] = e.subject;
      (ev[6] as DuckDBValue[])[i] = time;
      (ev[7] as DuckDBValue[])[i] = ingested;
      (ev[8] as DuckDBValue[])[i] = e.data;
      if (this.evCount === CHUNK_ROWS) this.flushEvents();
      if (rows.length === 0) continue;
      const sb = subjectBucket(e.subject);
      for (const row of rows) {
        const rw = this.rw;
        const j = this.rwCount++;
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
        if (this.rwCount === CHUNK_ROWS) this.flushRows();
      }
    }
    this.flushEvents();
    this.flushRows();
  }

  private flushEvents(): void {
    if (this.evCount === 0) return;
    this.eventChunk.reset();
    this.eventChunk.rowCount = this.evCount;
    this.eventChunk.setColumns(trimmed(this.ev, this.evCount));
    this.events.appendDataChunk(this.eventChunk);
    this.ev = columns(EVENT_TYPES.length, CHUNK_ROWS);
    this.evCount = 0;
  }

  private flushRows(): void {
    if (this.rwCount === 0) return;
    this.rowChunk.reset();
    this.rowChunk.rowCount = this.rwCount;
    this.rowChunk.setColumns(trimmed(this.rw, this.rwCount));
    this.meterRows.appendDataChunk(this.rowChunk);
    this.rw = columns(ROW_TYPES.length, CHUNK_ROWS);
    this.rwCount = 0;
  }
}

function trimmed(cols: DuckDBValue[][], count: number): DuckDBValue[][] {
  if (count === CHUNK_ROWS) return cols;
  for (const c of cols) c.length = count;
  return cols;
}

/** One-off form of ColumnarAppender (a fold that appends many batches keeps one instance). */
export function appendColumnar(
  appenders: { events: DuckDBAppender; meterRows: DuckDBAppender },
  items: readonly IngestItem[],
): void {
  new ColumnarAppender(appenders.events, appenders.meterRows).append(items);
}
