// Rows for one DuckDB appender gathered as columns and handed over a data chunk at a time: one
// native call per column instead of one per value (the row appender's cost on the fold).
import type {
  DuckDBDataChunk as Chunk,
  DuckDBAppender,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

export class ChunkWriter {
  /** Column buffers in table order, reused: a full chunk's values are all overwritten. */
  readonly cols: DuckDBValue[][];
  private readonly chunk: Chunk;
  private count = 0;

  /** `types` must equal the table's column types exactly, or the appender casts every chunk. */
  constructor(
    private readonly appender: DuckDBAppender,
    types: readonly DuckDBType[],
  ) {
    this.chunk = DuckDBDataChunk.create([...types]);
    this.cols = types.map(() => new Array<DuckDBValue>(CHUNK_ROWS));
  }

  /** The index of the row to fill in `cols`; `end()` once it is filled. */
  start(): number {
    return this.count;
  }

  end(): void {
    if (++this.count === CHUNK_ROWS) this.flush();
  }

  /** Hands the rows gathered so far to the appender (which the caller still flushes). */
  flush(): void {
    if (this.count === 0) return;
    const n = this.count;
    this.chunk.reset();
    this.chunk.rowCount = n;
    this.chunk.setColumns(n === CHUNK_ROWS ? this.cols : this.cols.map((c) => c.slice(0, n)));
    this.appender.appendDataChunk(this.chunk);
    this.count = 0;
  }

  /** Forgets rows not yet handed over (after a failed fold, with the appender's clear). */
  discard(): void {
    this.count = 0;
  }
}
