// The ingest log's group commit. Batches that arrive while a log write runs are judged (the
// write pipeline's dedupe) and encoded as they arrive, and written together, in one write, as
// soon as that write is durable: every batch waits for at most one write besides its own, and a
// write carries everything that arrived during the previous one. Judging them while the previous
// write runs means their verdicts may rest on the events being written (a resend of one of them
// is a duplicate), so they are acknowledged only after those, and fail with them.
import type { AppendResult, IngestItem } from '../../ingest/stored-event.js';
import type { LogRecord } from './ingest-log.js';

/** One batch waiting for its acknowledgement. */
export interface Job {
  items: IngestItem[];
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** Jobs judged together: their verdicts, and the log record of the events they add, if any. */
export interface Group {
  jobs: Job[];
  results: AppendResult[];
  acceptedIds: string[];
  record?: LogRecord;
  /** The record's encodeRecord bytes. */
  encoded?: Buffer;
}

export interface GroupCommitHost {
  /** Decides the jobs' duplicates; the group's record, if any, has sequence number `previousSeq + 1`. */
  judge(jobs: Job[], previousSeq: number): Promise<Group>;
  /** Writes records of consecutive sequence numbers in one write; resolves once they are durable. */
  appendAll(entries: readonly { record: LogRecord; encoded: Buffer }[]): Promise<void>;
  /** The last sequence number made durable. */
  loggedSeq(): number;
  /** The group is durable: acknowledge its jobs. */
  logged(group: Group): void;
  /** The group's write failed (or one it was judged against did): refuse its jobs. */
  refuse(group: Group, err: unknown): void;
  /** True while new batches must wait for room (flow control). */
  full(): boolean;
  /** Resolves when room may have been made. */
  roomMade(): Promise<void>;
}

/** Groups being written to the log, and whether the write failed once it is done. */
interface Write {
  groups: Group[];
  /** The last sequence number among the groups' records, if any has one. */
  lastSeq: number | undefined;
  done: boolean;
  outcome: Promise<{ err: unknown } | undefined>;
}

export class GroupCommit {
  private pending: Job[] = [];
  private running = false;
  /** Wakes the loop when a batch arrives while a group is being written. */
  private arrived: (() => void) | undefined;

  constructor(private readonly host: GroupCommitHost) {}

  /** True while batches wait or are being written. */
  get busy(): boolean {
    return this.running;
  }

  append(items: IngestItem[]): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.arrived?.();
      this.arrived = undefined;
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.loop());
      }
    });
  }

  private async loop(): Promise<void> {
    const host = this.host;
    let inFlight: Write | undefined;
    let next: Group[] = [];
    for (;;) {
      if (this.pending.length > 0 && !host.full()) {
        const jobs = this.pending.splice(0);
        try {
          next.push(await host.judge(jobs, lastSeq(next) ?? inFlight?.lastSeq ?? host.loggedSeq()));
        } catch (err) {
          for (const job of jobs) job.reject(err);
        }
        if (inFlight && !inFlight.done) continue;
      }
      if (inFlight) {
        if (!inFlight.done && this.pending.length === 0) {
          await Promise.race([inFlight.outcome, this.arrival()]);
          continue;
        }
        const failure = await inFlight.outcome;
        if (failure) {
          for (const group of [...inFlight.groups, ...next]) host.refuse(group, failure.err);
          next = [];
        } else {
          for (const group of inFlight.groups) host.logged(group);
        }
        inFlight = undefined;
      }
      if (next.length > 0) {
        inFlight = this.write(next);
        next = [];
        continue;
      }
      if (this.pending.length === 0) break;
      await host.roomMade();
    }
    this.running = false;
  }

  /** Writes the groups' records (none to write: done at once). */
  private write(groups: Group[]): Write {
    const entries = groups.flatMap((g) => (g.record && g.encoded ? [g as Required<Group>] : []));
    const written = entries.length === 0 ? Promise.resolve() : this.host.appendAll(entries);
    const write: Write = {
      groups,
      lastSeq: lastSeq(groups),
      done: false,
      // Caught at once: a failure must not go unhandled while the next groups are judged.
      outcome: written.then(
        () => undefined,
        (err: unknown) => ({ err }),
      ),
    };
    void write.outcome.then(() => {
      write.done = true;
    });
    return write;
  }

  /** Resolves at the next append(). */
  private arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.arrived = resolve;
    });
  }
}

/** The last sequence number among the groups' records, if any has one. */
function lastSeq(groups: readonly Group[]): number | undefined {
  for (let i = groups.length - 1; i >= 0; i--) {
    const seq = groups[i]?.record?.seq;
    if (seq !== undefined) return seq;
  }
  return undefined;
}
