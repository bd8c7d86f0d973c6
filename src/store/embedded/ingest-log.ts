import {
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  write,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IngestItem } from '../ports.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/** A segment is sealed, and a new one started, once it has grown past this. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
const SEGMENT_NAME = /^ingest-(\d+)\.log$/;

/** One acknowledged group of events, in the order it was made durable. */
export interface LogRecord {
  seq: number;
  items: IngestItem[];
}

interface Segment {
  path: string;
  lastSeq: number;
}

/**
 * The embedded store's ingest log: append-only segment files of accepted event groups, one JSON
 * line each, synced before the events are acknowledged. It lets an acknowledgement wait for one
 * sequential write instead of a DuckDB commit, so DuckDB receives few large commits (a commit per
 * 1,000 events costs 2.5 times the CPU of a commit per 100,000, and leaves partly filled blocks on
 * disk). Records are folded into DuckDB in the background; DuckDB remembers the last folded
 * sequence number in the same transaction, so a restart replays exactly the records it lacks, and
 * a sealed segment is deleted once all its records are folded.
 */
export class IngestLog {
  private fd = -1;
  private path = '';
  private bytes = 0;
  private lastSeq = 0;
  private sealed: Segment[] = [];
  private currentBytes = 0;
  private readonly segmentSize = new Map<string, number>();

  private constructor(
    readonly dir: string,
    private readonly segmentLimit: number,
  ) {}

  /** Opens the log directory and returns the complete records it holds, oldest first. */
  static open(dir: string, segmentBytes = SEGMENT_BYTES): { log: IngestLog; records: LogRecord[] } {
    mkdirSync(dir, { recursive: true });
    const log = new IngestLog(dir, segmentBytes);
    const records: LogRecord[] = [];
    for (const path of log.segmentPaths()) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        // A torn last line was never synced, so never acknowledged: dropping it loses nothing.
        if (line.length === 0) continue;
        try {
          records.push(JSON.parse(line) as LogRecord);
        } catch {
          break;
        }
      }
    }
    return { log, records };
  }

  /** Bytes in all segments. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Deletes every segment and starts an empty one; only call when every record is folded into
   * DuckDB and none is being written (at start after recovery, and at shutdown).
   */
  restart(nextSeq: number): void {
    this.closeCurrent();
    for (const path of this.segmentPaths()) unlinkSync(path);
    this.sealed = [];
    this.bytes = 0;
    this.lastSeq = nextSeq - 1;
    this.startSegment(nextSeq);
  }

  /** Appends one record and syncs it to disk; resolves once it survives a crash. */
  async append(record: LogRecord): Promise<void> {
    if (this.fd < 0) this.startSegment(record.seq);
    else if (this.currentBytes > this.segmentLimit) {
      this.sealed.push({ path: this.path, lastSeq: this.lastSeq });
      this.closeCurrent();
      this.startSegment(record.seq);
    }
    const buf = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await writeAsync(this.fd, buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.bytes += buf.length;
    this.currentBytes += buf.length;
    this.lastSeq = record.seq;
    await fdatasyncAsync(this.fd);
  }

  /** Deletes the sealed segments whose records are all folded into DuckDB. */
  release(foldedSeq: number): void {
    while (this.sealed.length > 0 && (this.sealed[0] as Segment).lastSeq <= foldedSeq) {
      const segment = this.sealed.shift() as Segment;
      this.bytes -= this.segmentSize.get(segment.path) ?? 0;
      this.segmentSize.delete(segment.path);
      unlinkSync(segment.path);
    }
  }

  close(): void {
    this.closeCurrent();
  }

  private startSegment(firstSeq: number): void {
    this.path = join(this.dir, `ingest-${String(firstSeq).padStart(12, '0')}.log`);
    this.fd = openSync(this.path, 'a');
    this.currentBytes = 0;
    // The new file's directory entry must be durable before anything in it is acknowledged.
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  private closeCurrent(): void {
    if (this.fd < 0) return;
    this.segmentSize.set(this.path, this.currentBytes);
    closeSync(this.fd);
    this.fd = -1;
  }

  private segmentPaths(): string[] {
    return readdirSync(this.dir)
      .filter((f) => SEGMENT_NAME.test(f))
      .sort()
      .map((f) => join(this.dir, f));
  }
}
