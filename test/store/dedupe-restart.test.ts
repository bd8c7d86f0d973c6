// Dedupe stays exact for old events with its structures out of memory: after a restart nothing is
// loaded, the memory bound holds, and a resend of an event stored a year and many events earlier
// is still refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const DAYS = 400;
const PER_DAY = 100;
const BUDGET = 256 * 1024;

function item(n: number, time: number, source = 'restart-test'): IngestItem {
  return {
    event: {
      accountId: 'acct_dedupe',
      id: `evt-${n}`,
      source,
      type: 'call',
      subject: `cust-${n % 17}`,
      time,
      ingestedAt: time,
      data: JSON.stringify({ n }),
    },
    rows: [],
  };
}

/** The n-th event of the history: day n / PER_DAY, spread through the day. */
const historic = (n: number): IngestItem =>
  item(n, START + Math.floor(n / PER_DAY) * DAY + (n % PER_DAY) * 60_000);

describe('dedupe after a restart, with a bounded day cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-dedupe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a year-old duplicate, accepts new events, and stays within its memory bound', async () => {
    const first = await DuckDbStore.open({
      dataDir: dir,
      dedupeBudgetBytes: BUDGET,
      compaction: { intervalMs: 0 },
    });
    const total = DAYS * PER_DAY;
    for (let n = 0; n < total; n += 1000) {
      const batch = Array.from({ length: Math.min(1000, total - n) }, (_, i) => historic(n + i));
      expect((await first.append(batch)).duplicates).toEqual([]);
    }
    expect(first.dedupeStats().residentBytes).toBeLessThanOrEqual(BUDGET);
    await first.close();

    const store = await DuckDbStore.open({
      dataDir: dir,
      dedupeBudgetBytes: BUDGET,
      compaction: { intervalMs: 0 },
    });
    try {
      // Nothing is loaded at start.
      expect(store.dedupeStats().residentDays).toBe(0);
      // A batch of today's new events, with one resend of an event from the first day (over a
      // year and 40,000 events earlier), one from the middle, and one repeated inside the batch.
      const today = START + (DAYS - 1) * DAY;
      const fresh = Array.from({ length: 200 }, (_, i) => item(total + i, today + i * 1000));
      const oldest = historic(3);
      const middle = historic(total / 2 + 5);
      const batch = [...fresh.slice(0, 100), oldest, ...fresh.slice(100), middle, fresh[7]];
      const result = await store.append(batch as IngestItem[]);
      expect(result.duplicates).toEqual([100, 201, 202]);
      // Same id from another source is another event.
      expect((await store.append([item(3, oldest.event.time, 'elsewhere')])).duplicates).toEqual(
        [],
      );
      // A whole old day resent (enough keys to load that day's set) is refused event by event.
      const day5 = Array.from({ length: PER_DAY }, (_, i) => historic(5 * PER_DAY + i));
      expect((await store.append(day5)).duplicates).toHaveLength(PER_DAY);
      const stats = store.dedupeStats();
      expect(stats.residentBytes).toBeLessThanOrEqual(BUDGET);
      expect((await store.stats()).events).toBe(total + 200 + 1);
    } finally {
      await store.close();
    }
  });
});
