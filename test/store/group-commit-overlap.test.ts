// The write pipeline judges the next group of batches while the previous one is written to the
// ingest log. Those verdicts may rest on the group being written (a resend of one of its events
// is a duplicate), so when that write fails, the next group must fail too: acknowledging a
// "duplicate" of an event that never became durable would lose it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';

const T0 = Date.UTC(2026, 0, 5, 12);

function item(id: string, n: number): IngestItem {
  return {
    event: {
      accountId: 'acct_overlap',
      id,
      source: 'overlap-test',
      type: 'call',
      subject: 'cust-1',
      time: T0 + n * 1000,
      ingestedAt: T0 + n * 1000,
      data: JSON.stringify({ n }),
    },
    rows: [],
  };
}

/** A promise and the functions that settle it. */
function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open = (): void => undefined;
  let fail = (_e: Error): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('group commit with the next group judged during a write', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function openHeld(): Promise<{
    store: DuckDbStore;
    holds: Map<number, ReturnType<typeof gate>>;
    started: (seq: number) => Promise<void>;
    dir: string;
  }> {
    const dir = mkdtempSync(join(tmpdir(), 'tally-overlap-'));
    dirs.push(dir);
    const holds = new Map<number, ReturnType<typeof gate>>();
    const starts = new Map<number, ReturnType<typeof gate>>();
    const startOf = (seq: number): ReturnType<typeof gate> => {
      let g = starts.get(seq);
      if (!g) {
        g = gate();
        starts.set(seq, g);
      }
      return g;
    };
    const store = await DuckDbStore.open({
      dataDir: dir,
      compaction: { intervalMs: 0 },
      ingestLog: {
        holdAppend: async (seq) => {
          startOf(seq).open();
          await holds.get(seq)?.promise;
        },
      },
    });
    return { store, holds, started: (seq) => startOf(seq).promise, dir };
  }

  it('a failed write fails the group judged meanwhile, and both can be sent again', async () => {
    const { store, holds, started, dir } = await openHeld();
    const first = gate();
    holds.set(1, first);
    const a = [item('a1', 1), item('a2', 2)];
    const sentA = store.append(a);
    await started(1);
    // Judged while record 1 is written: a1 is a duplicate of an event being written.
    const sentB = store.append([item('a1', 1), item('b1', 3)]);
    first.fail(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    await expect(sentA).rejects.toThrow();
    await expect(sentB).rejects.toThrow();

    // The disk takes writes again (record 1 is written anew): the same batches, in the other
    // order, are stored once each.
    holds.delete(1);
    expect((await store.append([item('a1', 1), item('b1', 3)])).duplicates).toEqual([]);
    expect((await store.append(a)).duplicates).toEqual([0]);
    expect((await store.stats()).events).toBe(3);
    await store.close();

    // The log's sequence numbers stayed consecutive: the store opens, with the same events.
    const again = await DuckDbStore.open({ dataDir: dir, compaction: { intervalMs: 0 } });
    expect((await again.stats()).events).toBe(3);
    await again.close();
  });

  it('a group judged during a write that succeeds is acknowledged after it, duplicates and all', async () => {
    const { store, holds, started } = await openHeld();
    const first = gate();
    holds.set(1, first);
    const sentA = store.append([item('c1', 1), item('c2', 2)]);
    await started(1);
    const sentB = store.append([item('c2', 2), item('c3', 3)]);
    let bSettled = false;
    void sentB.then(
      () => {
        bSettled = true;
      },
      () => {
        bSettled = true;
      },
    );
    // B cannot be acknowledged before A is durable: its verdict on c2 rests on A.
    await Promise.resolve();
    expect(bSettled).toBe(false);
    first.open();
    expect((await sentA).duplicates).toEqual([]);
    expect((await sentB).duplicates).toEqual([0]);
    expect((await store.stats()).events).toBe(3);
    await store.close();
  });
});
