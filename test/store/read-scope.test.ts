// A read of meter rows waits only for the acknowledged, not yet folded events it can see
// (src/store/embedded/unfolded-footprint.ts). With the fold held, a read outside those events'
// account, time span or subjects answers at once from what is folded, and a read that can see
// one of them answers only once it is folded, with it counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { BaseUsageQuery, FilterNode } from '../../src/query/planned-query.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const DAY = 86_400_000;
const JAN = Date.UTC(2026, 0, 1);
const METER = 'm_tokens';

function item(account: string, id: string, subject: string, time: number, v: number): IngestItem {
  return {
    event: {
      accountId: account,
      id,
      source: 'scope-test',
      type: 'tokens',
      subject,
      time,
      ingestedAt: time,
      data: JSON.stringify({ v }),
    },
    rows: [{ meterId: METER, value: v, valueText: null, dims: [] }],
  };
}

const subjectIs = (subject: string): FilterNode => ({
  op: 'eq',
  dim: { kind: 'subject' },
  value: subject,
});

function query(account: string, from: number, to: number, filter?: FilterNode): BaseUsageQuery {
  return {
    accountId: account,
    meterId: METER,
    from,
    to,
    bucket: { kind: 'all' },
    groupBy: [],
    ...(filter ? { filter } : {}),
  };
}

async function sum(store: DuckDbStore, q: BaseUsageQuery): Promise<number> {
  const rows = await store.aggregateNumeric(q);
  return rows.reduce((s, r) => s + r.sum, 0);
}

describe('reads wait only for the unfolded events they can see', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-scope-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers reads outside the unfolded events at once, and the others once they are folded', async () => {
    let release = (): void => undefined;
    let held: Promise<void> = Promise.resolve();
    const store = await DuckDbStore.open({
      dataDir: dir,
      compaction: { intervalMs: 0 },
      holdFold: () => held,
    });
    try {
      // Folded: 5 for alice on January 2, 7 for bob on January 3.
      await store.append([
        item('acc_a', 'e1', 'alice', JAN + DAY + 1000, 5),
        item('acc_a', 'e2', 'bob', JAN + 2 * DAY, 7),
      ]);
      expect(await sum(store, query('acc_a', JAN, JAN + 31 * DAY))).toBe(12);

      // Held: 100 for alice on January 10, acknowledged but not folded.
      held = new Promise((r) => {
        release = r;
      });
      await store.append([item('acc_a', 'e3', 'alice', JAN + 9 * DAY, 100)]);

      // Another subject, a range before the event, another account: answered now.
      const month = [JAN, JAN + 31 * DAY] as const;
      expect(await sum(store, query('acc_a', ...month, subjectIs('bob')))).toBe(7);
      expect(await sum(store, query('acc_a', JAN, JAN + 5 * DAY, subjectIs('alice')))).toBe(5);
      expect(await sum(store, query('acc_b', ...month))).toBe(0);
      const inList: FilterNode = { op: 'in', dim: { kind: 'subject' }, values: ['bob', 'carol'] };
      expect(await sum(store, query('acc_a', ...month, inList))).toBe(7);

      // Reads that can see it wait for its fold: alice's month, and every subject's.
      let settled = false;
      const alice = sum(store, query('acc_a', ...month, subjectIs('alice'))).then((v) => {
        settled = true;
        return v;
      });
      const everyone = sum(store, query('acc_a', ...month));
      // A read answered after these were issued has gone through the event loop several times.
      expect(await sum(store, query('acc_a', ...month, subjectIs('bob')))).toBe(7);
      expect(settled).toBe(false);
      release();
      expect(await alice).toBe(105);
      expect(await everyone).toBe(112);
    } finally {
      release();
      await store.close();
    }
  });
});
