import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  write,
} from 'node:fs';
import { promisify } from 'node:util';
import type { IngestItem } from '../ports.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/** One acknowledged group of events, in the order it was made durable. */
export interface LogRecord {
  seq: number;
  items: IngestItem[];
}

/**
 * The embedded store's ingest log: an append-only file of accepted event groups, one JSON line
 * each, synced before the events are acknowledged. It lets an acknowledgement wait for one
 * sequential write instead of a DuckDB commit, so DuckDB receives few large commits (a commit per
 * 1,000 events costs 2.5 times the CPU of a commit per 100,000, and leaves partly filled blocks on
 * disk). Records are folded into DuckDB in the background; DuckDB remembers the last folded
 * sequence number in the same transaction, so a restart replays exactly the records it lacks.
 */
export class IngestLog {
  private bytes = 0;

  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {}

  /** Opens (creating) the log and returns the complete records it holds, oldest first. */
  static open(path: string): { log: IngestLog; records: LogRecord[] } {
    const records: LogRecord[] = [];
    let size = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      size = Buffer.byteLength(text);
      for (const line of text.split('\n')) {
        // A torn last line was never synced, so never acknowledged: dropping it loses nothing.
        if (line.length === 0) continue;
        try {
          records.push(JSON.parse(line) as LogRecord);
        } catch {
          break;
        }
      }
    }
    const log = new IngestLog(openSync(path, 'a+'), path);
    log.bytes = size;
    return { log, records };
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends one record and syncs it to disk; resolves once it survives a crash. */
  async append(record: LogRecord): Promise<void> {
    const buf = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await writeAsync(this.fd, buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.bytes += buf.length;
    await fdatasyncAsync(this.fd);
  }

  /** Empties the log; only call when every record is folded into DuckDB and none is being written. */
  reset(): void {
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.bytes = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}
