// Rows for one DuckDB appender gathered as typed columns and handed over a data chunk at a time.
// Numbers go into typed arrays copied to the chunk's vectors in one native call per column, NULLs
// into a validity bitmap copied the same way, and a string column whose chunk holds one value
// becomes a constant vector: the per-value cost left is one native call per varying string. The
// node-api's own chunk setters cost a JS object and BigInt arithmetic per value (measured: about
// two thirds of the fold's main-thread time), so the vectors are written through the bindings.

import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  DuckDBDataChunk,
  type DuckDBType,
  TINYINT,
  UBIGINT,
  USMALLINT,
  VARCHAR,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

/** The column types a chunk writer fills, as the tables declare them. */
export type ColumnKind = 'varchar' | 'bigint' | 'ubigint' | 'double' | 'usmallint' | 'tinyint';

const DUCKDB_TYPE: Record<ColumnKind, DuckDBType> = {
  varchar: VARCHAR,
  bigint: BIGINT,
  ubigint: UBIGINT,
  double: DOUBLE,
  usmallint: USMALLINT,
  tinyint: TINYINT,
};
const WIDTH: Record<ColumnKind, number> = {
  varchar: 0,
  bigint: 8,
  ubigint: 8,
  double: 8,
  usmallint: 2,
  tinyint: 1,
};

const TWO_32 = 4_294_967_296;
/** Bytes of a chunk's validity bitmap (one bit per row, in 64-bit words). */
const VALIDITY_BYTES = CHUNK_ROWS / 8;

interface Column {
  kind: ColumnKind;
  /** varchar: the values; null is NULL. */
  strings: (string | null)[];
  /** Fixed-width values as the vector stores them (little-endian, as DuckDB on x86 and ARM). */
  bytes: ArrayBuffer;
  u32: Uint32Array;
  i32: Int32Array;
  f64: Float64Array;
  u16: Uint16Array;
  i8: Int8Array;
  /** One bit per row, 1 = valid; reset to all valid after each chunk. */
  validity: Uint8Array<ArrayBuffer>;
  hasNull: boolean;
}

function column(kind: ColumnKind): Column {
  const bytes = new ArrayBuffer(CHUNK_ROWS * Math.max(WIDTH[kind], 1));
  return {
    kind,
    strings: kind === 'varchar' ? new Array<string | null>(CHUNK_ROWS).fill(null) : [],
    bytes,
    u32: new Uint32Array(bytes, 0, Math.floor(bytes.byteLength / 4)),
    i32: new Int32Array(bytes, 0, Math.floor(bytes.byteLength / 4)),
    f64: new Float64Array(bytes, 0, Math.floor(bytes.byteLength / 8)),
    u16: new Uint16Array(bytes, 0, Math.floor(bytes.byteLength / 2)),
    i8: new Int8Array(bytes),
    validity: new Uint8Array(VALIDITY_BYTES).fill(0xff),
    hasNull: false,
  };
}

/**
 * Fill a row with the setters (each names its column index), then `end()`; a full chunk is handed
 * to the appender at once, the rest by `flush()`. The caller still flushes the appender.
 */
export class ChunkWriter {
  private readonly columns: Column[];
  private readonly chunk: DuckDBDataChunk;
  private row = 0;

  /** `kinds` must be the table's column types in order: the appender would cast otherwise. */
  constructor(
    private readonly appender: DuckDBAppender,
    kinds: readonly ColumnKind[],
  ) {
    this.columns = kinds.map(column);
    this.chunk = DuckDBDataChunk.create(kinds.map((k) => DUCKDB_TYPE[k]));
  }

  str(c: number, v: string | null): void {
    const col = this.columns[c] as Column;
    col.strings[this.row] = v;
    if (v === null) this.setNull(col);
  }

  /** A BIGINT from a safe integer (epoch milliseconds and counts are). */
  i64(c: number, v: number | null): void {
    const col = this.columns[c] as Column;
    if (v === null) {
      this.setNull(col);
      return;
    }
    const hi = Math.floor(v / TWO_32);
    col.u32[this.row * 2] = v - hi * TWO_32;
    col.i32[this.row * 2 + 1] = hi;
  }

  /** A UBIGINT from its two 32-bit halves. */
  u64(c: number, hi: number, lo: number): void {
    const col = this.columns[c] as Column;
    col.u32[this.row * 2] = lo;
    col.u32[this.row * 2 + 1] = hi;
  }

  f64(c: number, v: number | null): void {
    const col = this.columns[c] as Column;
    if (v === null) {
      this.setNull(col);
      return;
    }
    col.f64[this.row] = v;
  }

  u16(c: number, v: number): void {
    (this.columns[c] as Column).u16[this.row] = v;
  }

  i8(c: number, v: number): void {
    (this.columns[c] as Column).i8[this.row] = v;
  }

  end(): void {
    if (++this.row === CHUNK_ROWS) this.flush();
  }

  /** Hands the rows gathered so far to the appender (which the caller still flushes). */
  flush(): void {
    const n = this.row;
    if (n === 0) return;
    this.chunk.reset();
    this.chunk.rowCount = n;
    const raw = this.chunk.chunk;
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c] as Column;
      const vector = duckdb.data_chunk_get_vector(raw, c);
      if (col.kind === 'varchar') writeStrings(vector, col, n);
      else duckdb.copy_data_to_vector(vector, 0, col.bytes, 0, n * WIDTH[col.kind]);
      if (col.hasNull) {
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(vector, 0, col.validity.buffer, 0, VALIDITY_BYTES);
        col.validity.fill(0xff);
        col.hasNull = false;
      }
    }
    this.appender.appendDataChunk(this.chunk);
    this.row = 0;
  }

  /** Forgets rows not yet handed over (after a failed fold, with the appender's clear). */
  discard(): void {
    for (const col of this.columns) {
      if (col.hasNull) col.validity.fill(0xff);
      col.hasNull = false;
    }
    this.row = 0;
  }

  private setNull(col: Column): void {
    const r = this.row;
    col.validity[r >> 3] = (col.validity[r >> 3] as number) & ~(1 << (r & 7));
    col.hasNull = true;
  }
}

/** A string column's values: one constant when the chunk holds a single value, else one by one. */
function writeStrings(vector: duckdb.Vector, col: Column, n: number): void {
  const first = col.strings[0];
  let constant = first !== null && first !== undefined && !col.hasNull;
  for (let i = 1; constant && i < n; i++) constant = col.strings[i] === first;
  if (constant) {
    duckdb.vector_reference_value(vector, duckdb.create_varchar(first as string));
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = col.strings[i];
    if (v !== null && v !== undefined) duckdb.vector_assign_string_element(vector, i, v);
  }
}
