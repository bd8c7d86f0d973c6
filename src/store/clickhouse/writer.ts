// The EventWriter: coalesces concurrent append() calls into one flush (fewer, larger inserts,
// which is what MergeTree wants), dedupes through `Dedupe`, and resolves each caller only after
// ClickHouse acknowledged the events, their meter rows and the dedupe commit.

import type { AppendResult, IngestItem } from '../ports.js';
import type { ChConnection } from './client.js';
import { type Dedupe, type EventKey, keyOf } from './dedupe.js';
import { eventToJson, meterRowToJson } from './rows.js';
import { StoreUnavailableError as UnavailableError } from './unavailable.js';

interface Pending {
  items: IngestItem[];
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

export interface WriterOptions {
  /** Rows per flush at most (appends are never split: one large append may exceed it). */
  maxEvents: number;
  /** Flushes in flight at once; each waits the dedupe grace, so overlap keeps throughput. */
  concurrency: number;
  insertSettings: Record<string, number>;
}

export class Writer {
  private queue: Pending[] = [];
  private running = 0;
  private exclusiveDepth = 0;
  private drained: (() => void)[] = [];

  constructor(
    private readonly conn: ChConnection,
    private readonly dedupe: Dedupe,
    private readonly currentGens: (meterIds: string[]) => Promise<Map<string, number>>,
    private readonly opts: WriterOptions,
  ) {}

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

  private pump(): void {
    while (this.exclusiveDepth === 0 && this.running < this.opts.concurrency && this.queue.length) {
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
      this.flush(batch).finally(() => {
        this.running--;
        if (this.running === 0) for (const r of this.drained.splice(0)) r();
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    // Repeats inside the flush: the first occurrence is the candidate, the rest are duplicates.
    const firstAt = new Map<string, EventKey>();
    const candidates: { p: number; i: number; key: EventKey }[] = [];
    const dupes: number[][] = batch.map(() => []);
    batch.forEach((pending, p) => {
      pending.items.forEach((item, i) => {
        const key = {
          accountId: item.event.accountId,
          source: item.event.source,
          id: item.event.id,
        };
        const k = keyOf(key);
        if (firstAt.has(k)) dupes[p]?.push(i);
        else {
          firstAt.set(k, key);
          candidates.push({ p, i, key });
        }
      });
    });
    const keys = candidates.map((c) => c.key);
    let claimed: { token: string; owned: boolean[]; at: number } | undefined;
    try {
      const meterIds = new Set<string>();
      for (const p of batch)
        for (const it of p.items) for (const r of it.rows) meterIds.add(r.meterId);
      const [gens, claim] = await Promise.all([
        this.currentGens([...meterIds]),
        this.dedupe.claim(keys),
      ]);
      claimed = claim;
      const events: object[] = [];
      const rows: object[] = [];
      candidates.forEach((c, j) => {
        if (!claim.owned[j]) {
          dupes[c.p]?.push(c.i);
          return;
        }
        const item = batch[c.p]?.items[c.i];
        if (!item) return;
        events.push(eventToJson(item.event));
        for (const r of item.rows) {
          const gen = gens.get(r.meterId) ?? 0;
          rows.push(
            meterRowToJson(item.event.accountId, gen, {
              ...r,
              time: item.event.time,
              subject: item.event.subject,
            }),
          );
        }
      });
      if (!this.dedupe.stillOwner(claim.at)) {
        throw new UnavailableError('ingest too slow to keep its event-id claims', 1);
      }
      // Rows first, then events, then the commit: a crash in between leaves an uncommitted claim
      // that goes stale, and the client (never acknowledged) retries.
      await Promise.all([
        this.conn.insert('meter_rows', rows, this.opts.insertSettings),
        this.conn.insert('events', events, this.opts.insertSettings),
      ]);
      const ownedKeys = keys.filter((_, j) => claim.owned[j]);
      await this.dedupe.commit(ownedKeys, claim.token);
      batch.forEach((p, idx) => {
        p.resolve({ duplicates: (dupes[idx] ?? []).sort((a, b) => a - b) });
      });
    } catch (err) {
      if (claimed) {
        const token = claimed.token;
        const owned = keys.filter((_, j) => claimed?.owned[j]);
        await this.dedupe.release(owned, token).catch(() => undefined);
      }
      for (const p of batch) p.reject(err);
    }
  }
}
