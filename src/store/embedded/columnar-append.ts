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
import { DAY_MS } from './compaction-policy.js';
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
 * The appenders still need a flush and the caller's transaction its commit.
 */
export class ColumnarAppender {
  // One reusable chunk per table: creating one is a native allocation of 2048 rows per column.
  private readonly eventChunk = DuckDBDataChunk.create(EVENT_TYPES);
  private readonly rowChunk = DuckDBDataChunk.create(ROW_TYPES);
  // Column buffers, reused: every value of a full chunk is overwritten before it is sent.
  private readonly ev = columns(EVENT_TYPES.length, CHUNK_ROWS);
  private evCount = 0;
  private readonly rw = columns(ROW_TYPES.length, CHUNK_ROWS);
  private rwCount = 0;

  constructor(
    private readonly events: DuckDBAppender,
    private readonly meterRows: DuckDBAppender,
  ) {}

  /**
   * The fold's form (fold-append.ts appendItems): every item of `records`, with the meter rows
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
      if (days) {
        const day = Math.floor(e.time / DAY_MS);
        days.set(day, (days.get(day) ?? 0) + rows.length);
      }
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

  /** Forgets values not yet handed to the appenders (after a failed fold, with the appenders' clear). */
  discard(): void {
    this.evCount = 0;
    this.rwCount = 0;
  }

  private flushEvents(): void {
    if (this.evCount === 0) return;
    this.eventChunk.reset();
    this.eventChunk.rowCount = this.evCount;
    this.eventChunk.setColumns(filled(this.ev, this.evCount));
    this.events.appendDataChunk(this.eventChunk);
    this.evCount = 0;
  }

  private flushRows(): void {
    if (this.rwCount === 0) return;
    this.rowChunk.reset();
    this.rowChunk.rowCount = this.rwCount;
    this.rowChunk.setColumns(filled(this.rw, this.rwCount));
    this.meterRows.appendDataChunk(this.rowChunk);
    this.rwCount = 0;
  }
}

/** The first `count` values of each column (a chunk takes exactly its row count of values). */
function filled(cols: DuckDBValue[][], count: number): DuckDBValue[][] {
  return count === CHUNK_ROWS ? cols : cols.map((c) => c.slice(0, count));
}

/** One-off form of ColumnarAppender (a fold that appends many batches keeps one instance). */
export function appendColumnar(
  appenders: { events: DuckDBAppender; meterRows: DuckDBAppender },
  items: readonly IngestItem[],
): void {
  new ColumnarAppender(appenders.events, appenders.meterRows).append(items);
}
