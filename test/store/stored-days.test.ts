// The dedupe loads a day that holds no stored event without scanning DuckDB (stored-days.ts).
// What must never happen is a day judged empty while it holds events: then a resend of them would
// be accepted. Each case resends enough keys of one day to make the dedupe load that day's set
// (its load threshold is 32 keys), after the day left memory or the store restarted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestItem, StoredEvent } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const DAY = 86_400_000;
const START = Date.UTC(2025, 5, 1);
const ACCOUNT = 'acct_days';
const PER_DAY = 40;

function event(id: string, time: number, ingestedAt = time): StoredEvent {
  return {
    accountId: ACCOUNT,
    id,
    source: 'stored-days-test',
    type: 'call',
    subject: `cust-${id.length % 5}`,
    time,
    ingestedAt,
    data: JSON.stringify({ id }),
  };
}

/** PER_DAY events of day `d`, ids `${tag}-${d}-${i}`. */
function day(d: number, tag = 'e'): IngestItem[] {
  return Array.from({ length: PER_DAY }, (_, i) => ({
    event: event(`${tag}-${d}-${i}`, START + d * DAY + (30 + i) * 60_000),
    rows: [],
  }));
}

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('days known to hold no stored event', () => {
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-days-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const open = (dataDir: string, dedupeBudgetBytes?: number) =>
    DuckDbStore.open({
      dataDir,
      compaction: { intervalMs: 0 },
      ...(dedupeBudgetBytes === undefined ? {} : { dedupeBudgetBytes }),
    });

  it('after a restart: stored days are scanned, new days are not judged by absence alone', async () => {
    const dir = freshDir();
    let store = await open(dir);
    for (const d of [0, 1, 2]) expect((await store.append(day(d))).duplicates).toEqual([]);
    // Days before 1970 are negative: the scan must floor them as eventDay does.
    const early = day(-20_300);
    expect((await store.append(early)).duplicates).toEqual([]);
    await store.close();

    store = await open(dir);
    try {
      expect(await store.storedDaysLearned()).toBe(true);
      expect((await store.append(day(1))).duplicates).toEqual(all(PER_DAY));
      expect((await store.append(early)).duplicates).toEqual(all(PER_DAY));
      // A day with no stored event: its events are new, and once accepted their resend is not.
      expect((await store.append(day(9))).duplicates).toEqual([]);
      expect((await store.append(day(9))).duplicates).toEqual(all(PER_DAY));
      expect((await store.stats()).events).toBe(5 * PER_DAY);
    } finally {
      await store.close();
    }
  });

  it('a day stored while the store runs and then evicted from memory is scanned again', async () => {
    // A budget of a few days' sets: writing 30 days pushes the first ones out.
    const store = await open(freshDir(), 16 * 1024);
    try {
      expect(await store.storedDaysLearned()).toBe(true);
      for (let d = 0; d < 30; d++) expect((await store.append(day(d))).duplicates).toEqual([]);
      // Folded into DuckDB, so no longer among the accepted events a load captures.
      await store.compactNow();
      expect((await store.append(day(0))).duplicates).toEqual(all(PER_DAY));
      expect((await store.append(day(15))).duplicates).toEqual(all(PER_DAY));
      expect(store.dedupeStats().loads).toBeGreaterThan(30);
      expect((await store.stats()).events).toBe(30 * PER_DAY);
    } finally {
      await store.close();
    }
  });

  it('a correction that moves an event to a day with no event makes that day hold it', async () => {
    const store = await open(freshDir());
    try {
      expect(await store.storedDaysLearned()).toBe(true);
      const original = event('moved', START + 2 * DAY);
      expect((await store.append([{ event: original, rows: [] }])).duplicates).toEqual([]);
      // The replacement keeps the identity and moves to day 7, where nothing was ever stored.
      const moved = event('moved', START + 7 * DAY + 5_000, original.ingestedAt + 1);
      await store.correctEvents(
        ACCOUNT,
        [
          {
            source: original.source,
            id: original.id,
            ingestedAt: original.ingestedAt,
            voidedAt: moved.ingestedAt,
            correctionId: 'cor_1',
          },
        ],
        [moved],
      );
      // Day 7's first load comes with a resend of the replacement among new events.
      const batch = [...day(7, 'new'), { event: moved, rows: [] }];
      expect((await store.append(batch)).duplicates).toEqual([PER_DAY]);
    } finally {
      await store.close();
    }
  });
});
