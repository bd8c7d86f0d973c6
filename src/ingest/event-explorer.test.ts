import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  listingOf,
  listPage,
  PROBLEM_SCAN_LIMIT,
} from './event-explorer.js';
import type { EventListQuery, StoredEvent } from './stored-event.js';

const T = Date.parse('2025-01-01T00:00:00Z');

describe('event explorer listing', () => {
  it('turns a filter into inclusive bounds and matches', () => {
    expect(
      listingOf({
        subject: { $eq: 's' },
        type: { $in: ['a', 'b'] },
        id: { $like: 'x%' },
        source: { $ilike: 'Y%' },
        time: {
          $gt: '2025-01-01T00:00:00Z',
          $gte: '2024-12-31T00:00:00Z',
          $lt: '2025-02-01T00:00:00Z',
        },
        ingestedAt: { $lte: '2025-03-01T00:00:00+01:00' },
      }),
    ).toEqual({
      from: T + 1,
      to: Date.parse('2025-02-01T00:00:00Z') - 1,
      ingestedTo: Date.parse('2025-02-28T23:00:00Z'),
      match: [
        { field: 'id', op: 'like', values: ['x%'] },
        { field: 'source', op: 'ilike', values: ['Y%'] },
        { field: 'subject', op: 'eq', values: ['s'] },
        { field: 'type', op: 'in', values: ['a', 'b'] },
      ],
    });
    expect(listingOf({})).toEqual({});
  });

  it('round-trips cursors and refuses others', () => {
    const p = { time: -5, source: 'a/b', id: 'é\u0000' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    for (const bad of [
      '',
      'abc',
      Buffer.from('[1,"a"]').toString('base64url'),
      Buffer.from('[1.5,"a","b"]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad), bad).toThrow(/cursor/);
    }
  });

  /** A store of `n` events in listing order; counts the events it was asked to read. */
  function fakeList(n: number) {
    const all: StoredEvent[] = Array.from({ length: n }, (_, i) => ({
      accountId: 'a',
      id: `e${String(i).padStart(6, '0')}`,
      source: 's',
      type: 't',
      subject: 'x',
      time: T - i,
      ingestedAt: T,
      data: '{}',
    }));
    const stats = { read: 0 };
    const list = async (q: EventListQuery) => {
      const start = q.after ? all.findIndex((e) => e.time < (q.after?.time ?? 0)) : 0;
      const got = start < 0 ? [] : all.slice(start, start + q.limit);
      stats.read += got.length;
      return got;
    };
    return { all, list, stats };
  }

  it('pages without a keep filter: next only when more exist', async () => {
    const { list } = fakeList(5);
    const first = await listPage(list, { accountId: 'a' }, 3);
    expect(first.items.map((e) => e.id)).toEqual(['e000000', 'e000001', 'e000002']);
    const second = await listPage(list, { accountId: 'a', after: first.next }, 3);
    expect(second.items.map((e) => e.id)).toEqual(['e000003', 'e000004']);
    expect(second.next).toBeUndefined();
  });

  it('keeps matching events, and stops after a bounded scan with a cursor to go on', async () => {
    const { all, list, stats } = fakeList(PROBLEM_SCAN_LIMIT * 2 + 10);
    const rare = (e: { time: number }) => (T - e.time) % 4_000 === 7;
    const want = all.filter(rare).map((e) => e.id);
    const got: string[] = [];
    let after: StoredEvent['time'] | undefined;
    let page = await listPage(list, { accountId: 'a' }, 100, rare);
    for (let n = 0; n < 10; n++) {
      got.push(...page.items.map((e) => e.id));
      expect(stats.read).toBeLessThanOrEqual(PROBLEM_SCAN_LIMIT * (n + 1));
      if (!page.next) break;
      after = page.next.time;
      page = await listPage(list, { accountId: 'a', after: page.next }, 100, rare);
    }
    expect(after).toBeDefined();
    expect(got).toEqual(want);
    const full = await listPage(fakeList(50).list, { accountId: 'a' }, 3, () => true);
    expect(full.items).toHaveLength(3);
    expect(full.next).toEqual({ time: T - 2, source: 's', id: 'e000002' });
  });
});
