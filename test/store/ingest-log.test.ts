import { mkdtempSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { IngestLog } from '../../src/store/embedded/ingest-log.js';
import type { IngestLogEvent } from '../../src/store/embedded/ingest-log-events.js';
import { item, numbered, storedSum } from './ingest-log-fixtures.js';

describe('embedded store ingest log', () => {
  it('cuts a torn last record, reports it, and keeps every complete record before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-log-'));
    const { log } = IngestLog.open(dir);
    const sizes: number[] = [];
    for (const [seq, items] of [
      [1, [item('a', 1)]],
      [2, [item('b', 2), item('c', 3)]],
      [3, [item('d', 4)]],
    ] as const) {
      await log.append({ seq, items: [...items] });
      sizes.push(statSync(join(dir, readdirSync(dir)[0] as string)).size);
    }
    log.close();
    const file = join(dir, readdirSync(dir)[0] as string);
    // The last record loses its second half, as a crash in the middle of its write leaves it.
    const cut =
      (sizes[1] as number) + Math.floor(((sizes[2] as number) - (sizes[1] as number)) / 2);
    truncateSync(file, cut);
    const events: IngestLogEvent[] = [];
    const { log: again, records } = IngestLog.open(dir, { observer: (e) => events.push(e) });
    again.close();
    expect(records.map((r) => r.seq)).toEqual([1, 2]);
    expect(records[1]?.items.map((i) => i.event.id)).toEqual(['b', 'c']);
    expect(events).toEqual([
      {
        kind: 'torn_tail_cut',
        file,
        offset: sizes[1],
        bytes: cut - (sizes[1] as number),
        seqBefore: 2,
        seq: 3,
      },
    ]);
    expect(statSync(file).size).toBe(sizes[1]);
  });

  it('folds records DuckDB lacks on start (acknowledged before a crash), exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-log-'));
    // A store that applied seq 1 and then "crashed" with seq 2 only in its log.
    const store = await DuckDbStore.open({ dataDir: dir });
    await store.append([item('a', 5)]);
    expect(await storedSum(store)).toEqual({ ids: ['a'], sum: 5 });
    await store.close();
    const { log } = IngestLog.open(join(dir, 'ingest-log'));
    // seq 1 is already in DuckDB: replaying it again must not count it twice.
    await log.append({ seq: 1, items: [item('a', 5)] });
    await log.append({ seq: 2, items: [item('b', 7), item('c', 11)] });
    log.close();

    const reopened = await DuckDbStore.open({ dataDir: dir });
    expect(await storedSum(reopened)).toEqual({ ids: ['a', 'b', 'c'], sum: 5 + 7 + 11 });
    // The replayed events are in the dedupe index: sending them again changes nothing.
    const again = await reopened.append([item('b', 7), item('d', 13)]);
    expect(again.duplicates).toEqual([0]);
    expect(await storedSum(reopened)).toEqual({ ids: ['a', 'b', 'c', 'd'], sum: 5 + 7 + 11 + 13 });
    await reopened.close();
    const left = readdirSync(join(dir, 'ingest-log'));
    expect(left.map((f) => statSync(join(dir, 'ingest-log', f)).size)).toEqual([0]);
  });

  it('catches duplicates of events still waiting in the log, within and across batches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-log-'));
    const store = await DuckDbStore.open({ dataDir: dir });
    // Sent concurrently, so the second and third batches are decided while the first is unfolded.
    const [first, second, third] = await Promise.all([
      store.append([item('x', 1), item('y', 2), item('x', 1)]),
      store.append([item('y', 2), item('z', 4)]),
      store.append([item('z', 4)]),
    ]);
    expect(first?.duplicates).toEqual([2]);
    expect(second?.duplicates).toEqual([0]);
    expect(third?.duplicates).toEqual([0]);
    expect(await storedSum(store)).toEqual({ ids: ['x', 'y', 'z'], sum: 1 + 2 + 4 });
    await store.close();
  });

  it('counts a resend once when its first copy is folded while the resend is being judged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-log-'));
    const store = await DuckDbStore.open({ dataDir: dir });
    await store.append([item('folded', 1)]);
    await storedSum(store);
    // 'folded' makes every resend look the identity up in DuckDB; meanwhile the fold of the fresh
    // event usually completes, which must not make the fresh event look new again.
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      const fresh = item(`fresh-${i}`, 10);
      await store.append([fresh]);
      expect((await store.append([item('folded', 1), fresh])).duplicates).toEqual([0, 1]);
    }
    const ids = ['folded', ...Array.from({ length: rounds }, (_, i) => `fresh-${i}`)].sort();
    expect(await storedSum(store)).toEqual({ ids, sum: 1 + 10 * rounds });
    await store.close();
  });

  it('seals segments as they grow and deletes those whose records are all folded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-log-'));
    const { log } = IngestLog.open(dir, { segmentBytes: 100 });
    log.restart(1);
    for (let seq = 1; seq <= 4; seq++) await log.append(numbered(seq));
    expect(readdirSync(dir)).toHaveLength(4);
    log.release(2);
    expect(readdirSync(dir)).toHaveLength(2);
    log.close();
    const events: IngestLogEvent[] = [];
    const { records } = IngestLog.open(dir, { foldedSeq: 2, observer: (e) => events.push(e) });
    expect(records.map((r) => r.seq)).toEqual([3, 4]);
    expect(events).toEqual([]);
  });
});
