import { describe, expect, it } from 'vitest';
import { chunkKey, DAY_MS, type DayActivity, dueChunks } from './compaction-policy.js';

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
});
