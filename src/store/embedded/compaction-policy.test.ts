import { describe, expect, it } from 'vitest';
import {
  chunkKey,
  DAY_MS,
  type DayActivity,
  dueChunks,
  resumedActivity,
} from './compaction-policy.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / DAY_MS;
const NOW = Date.UTC(2026, 2, 10, 12); // 2026-03-10 12:00 UTC
const quietAt = NOW - 60_000;

function activity(entries: [number, number, number?][]): Map<number, DayActivity> {
  return new Map(entries.map(([d, rows, at]) => [d, { rows, lastAppendAt: at ?? quietAt }]));
}

describe('compaction policy', () => {
  it('rewrites a closed month whole, and closed days of the current month one by one', () => {
    const a = activity([
      [day(2026, 1, 5), 10],
      [day(2026, 1, 20), 10],
      [day(2026, 3, 8), 10],
      [day(2026, 3, 9), 10],
      [day(2026, 3, 10), 10], // today: not closed
    ]);
    expect(dueChunks(a, new Map(), NOW)).toEqual([
      {
        kind: 'month',
        start: Date.UTC(2026, 0, 1),
        end: Date.UTC(2026, 1, 1),
        days: [day(2026, 1, 5), day(2026, 1, 20)],
      },
      {
        kind: 'day',
        start: Date.UTC(2026, 2, 8),
        end: Date.UTC(2026, 2, 9),
        days: [day(2026, 3, 8)],
      },
      {
        kind: 'day',
        start: Date.UTC(2026, 2, 9),
        end: Date.UTC(2026, 2, 10),
        days: [day(2026, 3, 9)],
      },
    ]);
  });

  it('waits while rows still arrive for a chunk, and for late events after it ends', () => {
    const busy = activity([
      [day(2026, 1, 5), 10],
      [day(2026, 1, 6), 10, NOW - 1_000],
    ]);
    expect(dueChunks(busy, new Map(), NOW)).toEqual([]);
    const justEnded = activity([[day(2026, 3, 9), 10]]);
    expect(dueChunks(justEnded, new Map(), Date.UTC(2026, 2, 10, 0, 30))).toEqual([]);
  });

  it('rewrites a month whose days were rewritten as days once it closes, and not those days again', () => {
    const a = activity([[day(2026, 2, 27), 0]]);
    expect(dueChunks(a, new Map(), Date.UTC(2026, 1, 28, 12))).toEqual([]);
    expect(dueChunks(a, new Map(), NOW)).toEqual([
      {
        kind: 'month',
        start: Date.UTC(2026, 1, 1),
        end: Date.UTC(2026, 2, 1),
        days: [day(2026, 2, 27)],
      },
    ]);
  });

  it('rewrites a chunk again only when enough rows were added since', () => {
    const jan = Date.UTC(2026, 0, 1);
    const rewritten = new Map([[chunkKey('month', jan), 1000]]);
    expect(dueChunks(activity([[day(2026, 1, 3), 50]]), rewritten, NOW)).toEqual([]);
    expect(dueChunks(activity([[day(2026, 1, 3), 51]]), rewritten, NOW)).toHaveLength(1);
  });

  it('resumes after a restart with the days whose rows changed since they were sorted', () => {
    const jan5 = day(2026, 1, 5);
    const jan6 = day(2026, 1, 6);
    const feb1 = day(2026, 2, 1);
    const mar8 = day(2026, 3, 8);
    const mar9 = day(2026, 3, 9);
    const counts = new Map([
      [jan5, 100],
      [jan6, 50],
      [feb1, 40],
      [mar8, 30],
      [mar9, 20],
    ]);
    const sorted = new Map([
      [jan5, 100], // January rewritten whole at 150 rows: nothing to do
      [jan6, 50],
      [feb1, 45], // five rows deleted since (a meter was deleted): sort again
      [mar8, 30], // sorted as a day; March not yet rewritten as a month
    ]);
    const rewritten = new Map([
      [chunkKey('month', Date.UTC(2026, 0, 1)), 150],
      [chunkKey('month', Date.UTC(2026, 1, 1)), 45],
      [chunkKey('day', Date.UTC(2026, 2, 8)), 30],
    ]);
    expect(resumedActivity(counts, sorted, rewritten)).toEqual(
      new Map([
        [feb1, { rows: 5, lastAppendAt: 0 }],
        [mar9, { rows: 20, lastAppendAt: 0 }], // never sorted
        [mar8, { rows: 0, lastAppendAt: 0 }], // keeps March due as a whole month
      ]),
    );
    // Nothing recorded (a data directory from before compaction): every day is due.
    expect([...resumedActivity(counts, new Map(), new Map()).values()].map((a) => a.rows)).toEqual([
      100, 50, 40, 30, 20,
    ]);
  });
});
