// The EventWriter: coalesces concurrent append() calls into flushes (fewer, larger inserts, which
// is what MergeTree wants), dedupes through `Dedupe`, and resolves each caller only after
// ClickHouse acknowledged the events, their meter rows and the dedupe commit.
//
// Flushes are pipelined in three stages so that the dedupe read costs latency once, not
// throughput:
//   1. claim (the read of the flush's identities): one flush at a time. While it runs, new appends
//      queue up, and the next flush takes all of them (group commit), so under load flushes grow
//      instead of multiplying;
//   2. decision: any number of flushes at once (it waits only for earlier holders of the same
//      identities);
//   3. event and meter-row inserts and the commit: decided flushes wait in `ready`, and each write
//      takes all of them (group commit again), with at most `concurrency` writes at once. Every
//      insert makes a part with a file per column, so few large inserts beat many small ones.

import type { AppendResult, IngestItem } from '../../ingest/stored-event.js';
import type { ChConnection } from './client.js';
import { type Claim, type Decision, type Dedupe, type EventKey, keyOf } from './dedupe.js';
import {
  type Fence,
  INCOMING_COLUMNS,
  incomingEvent,
  incomingKey,
  incomingMeterRow,
} from './incoming-rows.js';
import { RecentKeys } from './recent-keys.js';
import { EVENT_COLUMNS, eventTsv, METER_ROW_COLUMNS, meterRowHead, meterRowTsv } from './rows.js';
import { FencedWriteError, StoreUnavailableError as UnavailableError } from './unavailable.js';

interface Pending {
  items: IngestItem[];
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

export interface WriterOptions {
  /** Rows per flush at most (appends are never split: one large append may exceed it). */
  maxEvents: number;
  /** Writes (each of one or more decided flushes) in flight at once (stage 3). */
  concurrency: number;
  /** Flushes past their claim at once (stages 2 and 3); bounds memory under overload. */
  maxFlushes: number;
  /** Committed identities remembered in this process (0 turns the shortcut off). */
  recentKeys: number;
  insertSettings: Record<string, number>;
  /**
   * Coordinated mode (several Tally processes, slots owned through ZooKeeper): the fence an
   * account's rows are written under, or undefined while this process does not own its slot. Each
   * write is then one insert into `incoming` (events, meter rows and dedupe commits together),
   * which the cluster refuses whole once a newer owner fenced the slot.
   */
  fenceOf?: (accountId: string) => Fence | undefined;
  /**
   * Coordinated mode: whether this process still holds a slot at the epoch a write was rendered
   * under (also while it hands the slot over: a write in flight is finished first).
   */
  holds?: (fence: Fence) => boolean;
}

/**
 * Rounds of sending a failed write again before its identities are released: with pauses growing
 * to 2 s, about an hour, longer than a replica restart or a ZooKeeper election.
 */
const MAX_WRITE_ROUNDS = 1_800;

/** A decided flush waiting for stage 3. */
interface Decided {
  claim: Claim;
  ownedKeys: EventKey[];
  /** Events and their meter rows, rendered as TabSeparated lines (rows.ts). */
  events: string;
  eventCount: number;
  rows: string;
  /** Coordinated mode: the fences the rows were written under (by account). */
  fences?: Map<string, Fence>;
  done: (err?: unknown) => void;
}

interface Candidate {
  p: number;
  i: number;
  key: EventKey;
  id: string;
}

export class Writer {
  private queue: Pending[] = [];
  private running = 0;
  private claiming = false;
  private exclusiveDepth = 0;
  private drained: (() => void)[] = [];
  private writing = 0;
  private ready: Decided[] = [];
  private readonly recent: RecentKeys;

  constructor(
    private readonly conn: ChConnection,
    private readonly dedupe: Dedupe,
    private readonly currentGens: (meterIds: string[]) => Promise<Map<string, number>>,
    private readonly opts: WriterOptions,
  ) {
    this.recent = new RecentKeys(opts.recentKeys);
  }

  append(items: IngestItem[]): Promise<AppendResult> {
    if (items.length === 0) return Promise.resolve({ duplicates: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.pump();
    });
  }

  /** Runs `fn` with no flush in flight and none starting (used by meter-row replacement). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.exclusiveDepth++;
    try {
      while (this.running > 0) await new Promise<void>((r) => this.drained.push(r));
      return await fn();
    } finally {
      this.exclusiveDepth--;
      this.pump();
    }
  }

  /** Starts the next flush when no claim insert is running (stage 1 is one flush at a time). */
  private pump(): void {
    if (this.claiming || this.exclusiveDepth > 0 || this.queue.length === 0) return;
    if (this.running >= this.opts.maxFlushes) return;
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || (batch.length > 0 && n + next.items.length > this.opts.maxEvents)) break;
      batch.push(next);
      n += next.items.length;
      this.queue.shift();
    }
    this.running++;
    this.claiming = true;
    this.flush(batch, () => {
      this.claiming = false;
      this.pump();
    }).finally(() => {
      this.running--;
      if (this.running === 0) for (const r of this.drained.splice(0)) r();
      this.pump();
    });
  }

  private async flush(all: Pending[], claimed: () => void): Promise<void> {
    const { batch, fences } = this.fenced(all);
    // Repeats inside the flush, and identities known committed: duplicates without a claim. The
    // first occurrence of every other identity is a candidate.
    const seen = new Set<string>();
    const candidates: Candidate[] = [];
    const repeats: number[][] = batch.map(() => []);
    batch.forEach((pending, p) => {
      pending.items.forEach((item, i) => {
        const key = {
          accountId: item.event.accountId,
          source: item.event.source,
          id: item.event.id,
        };
        const id = keyOf(key);
        if (seen.has(id) || this.recent.has(id)) repeats[p]?.push(i);
        else candidates.push({ p, i, key, id });
        seen.add(id);
      });
    });
    const keys = candidates.map((c) => c.key);
    let claim: Claim | undefined;
    let handedOver = false;
    let dupes = repeats;
    try {
      const meterIds = new Set<string>();
      for (const c of candidates) {
        for (const r of batch[c.p]?.items[c.i]?.rows ?? []) meterIds.add(r.meterId);
      }
      const gensRead = this.currentGens([...meterIds]);
      gensRead.catch(() => undefined);
      try {
        if (keys.length > 0) claim = await this.dedupe.claim(keys);
      } finally {
        claimed();
      }
      if (claim) {
        const decision = await this.dedupe.decide(keys, claim);
        const gens = await gensRead;
        const rendered = this.render(batch, candidates, decision, gens, fences, claim.token);
        dupes = repeats.map((r, p) => [...r, ...(rendered.dupes[p] ?? [])]);
        if (rendered.eventCount > 0) {
          const c = claim;
          handedOver = true;
          await new Promise<void>((resolve, reject) => {
            this.ready.push({
              claim: c,
              ownedKeys: keys.filter((_, j) => decision.owned[j]),
              events: rendered.events,
              eventCount: rendered.eventCount,
              rows: rendered.rows,
              ...(fences ? { fences } : {}),
              done: (err) => (err === undefined ? resolve() : reject(err)),
            });
            this.drainWrites();
          });
          for (const cand of candidates) this.recent.add(cand.id);
        }
      }
      batch.forEach((p, idx) => {
        p.resolve({ duplicates: (dupes[idx] ?? []).sort((a, b) => a - b) });
      });
    } catch (err) {
      // A failed write released its own keys; a flush that failed before its write withdraws
      // its whole claim.
      if (claim && !handedOver) {
        await this.dedupe.release(keys, claim.token).catch(() => undefined);
      }
      for (const p of batch) p.reject(err);
    }
  }

  /**
   * Coordinated mode: the appends whose accounts this process owns now, with their fences; the
   * others are answered 503 at once (their slot is moving; the client's retry finds the owner).
   */
  private fenced(all: Pending[]): { batch: Pending[]; fences?: Map<string, Fence> } {
    const fenceOf = this.opts.fenceOf;
    if (!fenceOf) return { batch: all };
    const fences = new Map<string, Fence>();
    const batch = all.filter((p) => {
      for (const item of p.items) {
        const account = item.event.accountId;
        if (fences.has(account)) continue;
        const fence = fenceOf(account);
        if (!fence) {
          p.reject(new UnavailableError('the account is moving to another Tally process', 1));
          return false;
        }
        fences.set(account, fence);
      }
      return true;
    });
    return { batch, fences };
  }

  /** Whether every fence a write was rendered under is still this process's. */
  private stillFenced(d: Decided): boolean {
    const holds = this.opts.holds;
    if (!d.fences || !holds) return true;
    for (const f of d.fences.values()) if (!holds(f)) return false;
    return true;
  }

  /**
   * The owned candidates as event and meter-row lines; the others are duplicates. Coordinated
   * mode: as rows of `incoming`, with the dedupe commits, in `events` (and `rows` empty).
   */
  private render(
    batch: Pending[],
    candidates: Candidate[],
    { owned, landed }: Decision,
    gens: Map<string, number>,
    fences: Map<string, Fence> | undefined,
    token: string,
  ) {
    const dupes: number[][] = batch.map(() => []);
    let events = '';
    let eventCount = 0;
    let rows = '';
    candidates.forEach((c, j) => {
      if (!owned[j]) {
        // Not ours only when committed before: final, so remembered.
        this.recent.add(c.id);
        dupes[c.p]?.push(c.i);
        return;
      }
      const item = batch[c.p]?.items[c.i];
      if (!item) return;
      const e = item.event;
      eventCount++;
      const fence = fences?.get(e.accountId);
      const tag = fence ? { fence, accountId: e.accountId, token } : undefined;
      // What an unfinished write of this identity already stored is not stored again.
      const stored = landed?.[j];
      if (tag) {
        if (!stored?.events) events += incomingEvent(tag, eventTsv(e));
        events += incomingKey(tag, c.key);
      } else {
        events += eventTsv(e);
      }
      for (const r of item.rows) {
        const head = meterRowHead(
          e.accountId,
          r.meterId,
          gens.get(r.meterId) ?? 0,
          e.time,
          e.subject,
        );
        const line = meterRowTsv(head, r);
        if (tag) {
          if (!stored?.rows) events += incomingMeterRow(tag, line);
        } else rows += line;
      }
    });
    return { dupes, events, eventCount, rows };
  }

  /** Starts writes while slots are free, each taking every decided flush that fits. */
  private drainWrites(): void {
    while (this.writing < this.opts.concurrency && this.ready.length > 0) {
      const group: Decided[] = [];
      let n = 0;
      while (this.ready.length > 0) {
        const next = this.ready[0];
        if (!next || (group.length > 0 && n + next.eventCount > this.opts.maxEvents)) break;
        group.push(next);
        n += next.eventCount;
        this.ready.shift();
      }
      this.writing++;
      this.write(group).finally(() => {
        this.writing--;
        this.drainWrites();
      });
    }
  }

  private async write(group: Decided[]): Promise<void> {
    const live = group;
    const rows = live.map((d) => d.rows).join('');
    const events = live.map((d) => d.events).join('');
    let answered = false;
    // A write that fails with a transient error may still have landed in part (a Distributed
    // insert is not atomic across shards; rows and events are two statements), so its identities
    // stay held and what failed is sent again unchanged until it lands: a replicated table drops a
    // block it already holds, and a client's resend waits behind the hold and is then answered as
    // a duplicate. The callers get the error at once, so that they retry instead of waiting.
    const answer = (err: unknown) => {
      if (answered) return;
      answered = true;
      for (const d of live) d.done(err);
    };
    try {
      if (this.opts.fenceOf) {
        // One statement: the fence view admits or refuses the events, their rows and their
        // commits together (per shard, and one identity's rows share a shard).
        await this.untilLanded(
          [
            () =>
              this.conn.insertTsv('incoming', INCOMING_COLUMNS, events, this.opts.insertSettings),
          ],
          live,
          answer,
        );
      } else {
        // Rows and events first, then the commit: a crash in between leaves an uncommitted
        // claim, and the client (never acknowledged) retries.
        await this.untilLanded(
          [
            () =>
              this.conn.insertTsv('meter_rows', METER_ROW_COLUMNS, rows, this.opts.insertSettings),
            () => this.conn.insertTsv('events', EVENT_COLUMNS, events, this.opts.insertSettings),
          ],
          live,
          answer,
        );
      }
      await this.untilLanded(
        [
          () =>
            this.dedupe.commitMany(live.map((d) => ({ keys: d.ownedKeys, token: d.claim.token }))),
        ],
        live,
        answer,
      );
      if (!answered) for (const d of live) d.done();
    } catch (err) {
      if (answered) {
        for (const d of live)
          this.dedupe.release(d.ownedKeys, d.claim.token).catch(() => undefined);
      } else {
        for (const d of live) this.fail(d, err);
      }
    }
  }

  /**
   * Runs every send, then sends again those that failed with a transient error (UnavailableError)
   * while the flushes still own their identities, pausing between rounds; `onTransient` hears the
   * first such error. Throws any other error, or the transient one once this process lost a slot
   * the write touched (coordinated mode) or after MAX_WRITE_ROUNDS.
   */
  private async untilLanded(
    sends: (() => Promise<unknown>)[],
    live: Decided[],
    onTransient: (err: unknown) => void,
  ): Promise<void> {
    let pending = sends;
    for (let round = 1; ; round++) {
      const results = await Promise.allSettled(pending.map((send) => send()));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
      if (failed.length === 0) return;
      const first = results[failed[0] ?? 0];
      const err = first?.status === 'rejected' ? first.reason : undefined;
      // A fenced write, or one whose slot this process has lost meanwhile, is not sent again: the
      // new owner's fence refuses it, and its client's retry reaches the new owner.
      const owned = live.every((d) => this.stillFenced(d));
      const resend = err instanceof UnavailableError && !(err instanceof FencedWriteError);
      if (!resend || !owned || round >= MAX_WRITE_ROUNDS) throw err;
      onTransient(err);
      pending = failed.map((i) => pending[i] as () => Promise<unknown>);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * round)));
    }
  }

  private fail(d: Decided, err: unknown): void {
    this.dedupe
      .release(d.ownedKeys, d.claim.token)
      .catch(() => undefined)
      .finally(() => d.done(err));
  }
}
