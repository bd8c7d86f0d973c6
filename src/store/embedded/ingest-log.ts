import {
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  unlinkSync,
  write,
} from 'node:fs';
import { open as openAsync, unlink as unlinkAsync } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { UnavailableError } from '../../errors/domain-errors.js';
import {
  IngestLogDamagedError,
  type IngestLogObserver,
  type OnDamage,
} from './ingest-log-events.js';
import { encodeRecord, type LogRecord } from './ingest-log-record.js';
import { analyse, type ScannedSegment } from './ingest-log-recovery.js';
import { isLegacy, scanFramed, scanLegacy } from './ingest-log-scan.js';

export type { LogRecord } from './ingest-log-record.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/**
 * Segments are opened with O_DSYNC where the platform has it: a write returns once its bytes are
 * on disk, so an append costs one trip to the thread pool instead of a write and an fdatasync,
 * each of whose completions waits for the event loop (measured: with ingest keeping the loop busy,
 * that wait, not the disk, was most of an append's latency). Elsewhere, fdatasync after the write.
 */
const DSYNC = constants.O_DSYNC;
const SEGMENT_FLAGS =
  DSYNC === undefined ? 'a' : constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | DSYNC;

/** A segment is sealed, and a new one started, once it has grown past this. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
const SEGMENT_NAME = /^ingest-(\d+)\.log$/;
/** Seconds a client is asked to wait after an append the disk refused. */
export const APPEND_RETRY_AFTER_S = 5;
const PROBE_MAX_BYTES = 16 * 1024 * 1024;

interface Segment {
  path: string;
  lastSeq: number;
}

export interface IngestLogOptions {
  segmentBytes?: number;
  /** DuckDB's last folded sequence number: says whether damaged records are already folded. */
  foldedSeq?: number;
  onDamage?: OnDamage;
  observer?: IngestLogObserver;
  /**
   * Tests only: awaited in each append before its bytes are written; a rejection fails the
   * append as a refusing disk would.
   */
  holdAppend?: (seq: number) => Promise<void>;
}

/**
 * The embedded store's ingest log: append-only segment files of accepted event groups, each record
 * framed with its length and checksums (ingest-log-record.ts), synced before the events are
 * acknowledged. It lets an acknowledgement wait for one sequential write instead of a DuckDB
 * commit, so DuckDB receives few large commits (a commit per 1,000 events costs 2.5 times the CPU
 * of a commit per 100,000, and leaves partly filled blocks on disk). Records are folded into DuckDB
 * in the background; DuckDB remembers the last folded sequence number in the same transaction, so
 * a restart replays exactly the records it lacks, and a sealed segment is deleted once all its
 * records are folded.
 *
 * Damage is detected, not guessed: at open every intact record is kept, even after damaged bytes;
 * a torn tail (an append that never completed, so never acknowledged) is cut; damage that may
 * have cost acknowledged records DuckDB lacks refuses the start unless `onDamage` is 'skip'; a
 * segment that held damage is moved to `quarantine/`, never deleted.
 */
export class IngestLog {
  private fd = -1;
  private path = '';
  private bytes = 0;
  private lastSeq = 0;
  private sealed: Segment[] = [];
  private currentBytes = 0;
  private readonly segmentSize = new Map<string, number>();
  /** Segments that held damage, moved to quarantine at the next restart. */
  private readonly damaged = new Set<string>();
  /** A failed append may have left bytes past `currentBytes`: cut them before the next append. */
  private uncut = false;
  /** Set from a failed append until a write succeeds again. */
  private failure: { cause: string; bytes: number } | undefined;
  /** The write probe in flight: concurrent readiness checks share it (one scratch file at a time). */
  private probing: Promise<string | undefined> | undefined;

  private constructor(
    readonly dir: string,
    private readonly segmentLimit: number,
    private readonly observe: IngestLogObserver,
    private readonly holdAppend?: (seq: number) => Promise<void>,
  ) {}

  get quarantineDir(): string {
    return join(this.dir, 'quarantine');
  }

  /**
   * Opens the log directory and returns its intact records, oldest first. Throws
   * IngestLogDamagedError, changing nothing on disk, when damage may have cost acknowledged records
   * that are not folded and `onDamage` is 'refuse' (the default).
   */
  static open(
    dir: string,
    options: IngestLogOptions = {},
  ): { log: IngestLog; records: LogRecord[] } {
    mkdirSync(dir, { recursive: true });
    const observe = options.observer ?? (() => undefined);
    const log = new IngestLog(
      dir,
      options.segmentBytes ?? SEGMENT_BYTES,
      observe,
      options.holdAppend,
    );
    const segments: ScannedSegment[] = [];
    const legacy: { file: string; records: number }[] = [];
    for (const path of log.segmentPaths()) {
      const buf = readFileSync(path);
      const old = isLegacy(buf);
      const pieces = old ? scanLegacy(buf) : scanFramed(buf);
      if (old)
        legacy.push({ file: path, records: pieces.filter((p) => p.type === 'record').length });
      segments.push({ path, firstSeq: Number(SEGMENT_NAME.exec(basename(path))?.[1]), pieces });
    }
    const recovery = analyse(segments, options.foldedSeq);
    for (const report of recovery.damage) observe({ kind: 'damage', report });
    const unfolded = recovery.damage.filter((r) => r.state === 'unfolded');
    if (unfolded.length > 0 && (options.onDamage ?? 'refuse') === 'refuse') {
      throw new IngestLogDamagedError(unfolded, log.quarantineDir);
    }
    for (const l of legacy) observe({ kind: 'legacy_segment', ...l });
    for (const report of recovery.damage) for (const f of report.files) log.damaged.add(f);
    const torn = recovery.tornTail;
    if (torn) {
      truncateSync(torn.file, torn.offset);
      observe({ kind: 'torn_tail_cut', ...torn });
    }
    return { log, records: recovery.records };
  }

  /** Bytes in all segments. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Deletes every segment (moving those that held damage to quarantine) and starts an empty one;
   * only call when every record is folded into DuckDB and none is being written (at start after
   * recovery, and at shutdown).
   */
  restart(nextSeq: number): void {
    this.closeCurrent();
    for (const path of this.segmentPaths()) {
      if (this.damaged.has(path)) this.quarantine(path);
      else unlinkSync(path);
    }
    this.damaged.clear();
    this.uncut = false;
    this.sealed = [];
    this.bytes = 0;
    this.lastSeq = nextSeq - 1;
    this.startSegment(nextSeq);
  }

  /**
   * Appends one record and syncs it to disk; resolves once it survives a crash. When the disk
   * refuses (ENOSPC, EIO...), the partial bytes are cut off before any later append, so no record
   * ever follows them, and the append fails with UnavailableError (HTTP 503 + Retry-After).
   */
  append(record: LogRecord): Promise<void> {
    return this.appendAll([{ record, encoded: encodeRecord(record) }]);
  }

  /**
   * Appends records of consecutive sequence numbers, each with its encodeRecord bytes, in one
   * write and one sync: all of them survive a crash once it resolves, none if it fails.
   */
  async appendAll(entries: readonly { record: LogRecord; encoded: Buffer }[]): Promise<void> {
    const first = entries[0]?.record.seq;
    const last = entries[entries.length - 1]?.record.seq;
    if (first === undefined || last === undefined) return;
    const buf =
      entries.length === 1
        ? (entries[0]?.encoded as Buffer)
        : Buffer.concat(entries.map((e) => e.encoded));
    // Set once bytes may have reached the file (after `currentBytes`, which moves only on success).
    let writing = false;
    try {
      await this.holdAppend?.(first);
      this.cutFailedBytes();
      if (this.fd < 0) this.startSegment(first);
      else if (this.currentBytes > this.segmentLimit) {
        this.sealed.push({ path: this.path, lastSeq: this.lastSeq });
        this.closeCurrent();
        this.startSegment(first);
      }
      writing = true;
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await writeAsync(this.fd, buf, off, buf.length - off);
        off += bytesWritten;
      }
      if (DSYNC === undefined) await fdatasyncAsync(this.fd);
    } catch (err) {
      throw this.failed(err, first, writing, buf.length);
    }
    this.bytes += buf.length;
    this.currentBytes += buf.length;
    this.lastSeq = last;
    if (this.failure) {
      this.failure = undefined;
      this.observe({ kind: 'append_recovered', file: this.path, by: 'append' });
    }
  }

  /**
   * Why the log cannot write, or undefined when it can. After a failed append it retries the cut
   * and writes and syncs a scratch file as large as the failed record: readiness comes back once
   * the disk takes that much again, without waiting for traffic that a not-ready server gets none of.
   */
  writeProblem(): Promise<string | undefined> {
    const failure = this.failure;
    if (!failure) return Promise.resolve(undefined);
    this.probing ??= this.probe(failure).finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async probe(failure: { cause: string; bytes: number }): Promise<string | undefined> {
    const path = join(this.dir, 'write-probe.tmp');
    try {
      this.cutFailedBytes();
      const handle = await openAsync(path, 'w');
      try {
        await handle.write(Buffer.alloc(Math.min(failure.bytes, PROBE_MAX_BYTES)));
        await handle.datasync();
      } finally {
        await handle.close();
        await unlinkAsync(path).catch(() => undefined);
      }
    } catch (err) {
      return `${failure.cause} (still: ${describe(err).cause})`;
    }
    if (this.failure === failure) {
      this.failure = undefined;
      this.observe({ kind: 'append_recovered', file: this.path, by: 'probe' });
    }
    return undefined;
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

  private failed(err: unknown, seq: number, wrote: boolean, bytes: number): UnavailableError {
    const { code, cause } = describe(err);
    if (wrote) this.uncut = true;
    let rolledBack = true;
    try {
      this.cutFailedBytes();
    } catch {
      rolledBack = false;
    }
    this.failure = { cause, bytes };
    this.observe({
      kind: 'append_failed',
      file: this.path,
      offset: this.currentBytes,
      seq,
      bytes,
      code,
      error: cause,
      rolledBack,
    });
    return new UnavailableError(
      `the ingest log cannot write (${cause}); the batch was not accepted, retry later`,
      APPEND_RETRY_AFTER_S,
    );
  }

  /** Cuts a failed append's bytes off the current segment; throws while the disk refuses. */
  private cutFailedBytes(): void {
    if (!this.uncut || this.fd < 0) return;
    ftruncateSync(this.fd, this.currentBytes);
    fdatasyncSync(this.fd);
    this.uncut = false;
  }

  private startSegment(firstSeq: number): void {
    this.path = join(this.dir, `ingest-${String(firstSeq).padStart(12, '0')}.log`);
    this.fd = openSync(this.path, SEGMENT_FLAGS, 0o644);
    // An existing file (written before this process) keeps its records: appends go after them.
    this.currentBytes = fstatSync(this.fd).size;
    this.syncDir();
  }

  /** A new or renamed file's directory entry must be durable before anything relies on it. */
  private syncDir(): void {
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  private quarantine(path: string): void {
    mkdirSync(this.quarantineDir, { recursive: true });
    let to = join(this.quarantineDir, basename(path));
    for (let n = 1; existsSync(to); n++) to = join(this.quarantineDir, `${basename(path)}.${n}`);
    renameSync(path, to);
    this.observe({ kind: 'quarantined', file: path, to });
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

function describe(err: unknown): { code: string; cause: string } {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'EUNKNOWN';
  return { code, cause: err instanceof Error ? err.message : String(err) };
}
