// The cost check of a per-subject query grouped by a dimension: the rollup (which keeps no
// subject) answers an upper bound of its groups from 15-minute rows, and when that bound is small
// enough for the query's budget the raw rows are not read for the estimate at all; when it is
// not, the raw estimate decides, so a query that fits is never refused because of the bound.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupEstimateQuery } from '../../src/query/planned-query.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { domainOver } from '../behaviour/domain.js';

const DAY = Date.UTC(2025, 5, 2);
const PROJECTS = 42;

describe('group estimate of a per-subject query', () => {
  let store: DuckDbStore;
  let q: GroupEstimateQuery;

  beforeAll(async () => {
    store = await DuckDbStore.open({ dataDir: mkdtempSync(join(tmpdir(), 'tally-bound-')) });
    const d = domainOver(store);
    const account = (await d.keys.createAccount('bound')).id;
    const meter = await d.meters.create(account, {
      slug: 'calls',
      aggregation: 'COUNT',
      eventType: 'call',
      groupBy: { project: '$.project' },
    });
    // Subject "one" uses 2 projects; the others use all 42 between them.
    const events = Array.from({ length: 840 }, (_, i) => ({
      value: {
        id: `e${i}`,
        source: 'bound',
        specversion: '1.0',
        type: 'call',
        subject: i % 10 === 0 ? 'one' : `other-${i % 7}`,
        time: new Date(DAY + i * 60_000).toISOString(),
        data: { project: i % 10 === 0 ? `p${(i / 10) % 2}` : `p${i % PROJECTS}` },
      },
    }));
    await d.ingest.ingest(account, events);
    q = {
      accountId: account,
      meterId: meter.id,
      from: DAY,
      to: DAY + 86_400_000,
      groupBy: [{ kind: 'dim', slot: 0 }],
      filter: { op: 'in', dim: { kind: 'subject' }, values: ['one'] },
    };
  });

  afterAll(async () => {
    await store.close();
  });

  it('answers the rollup bound when it fits, without the raw estimate', async () => {
    const reads = store.rollupStats().reads;
    const bound = await store.estimateGroups({ ...q, enough: 100 });
    expect(bound).toBeGreaterThanOrEqual(PROJECTS * 0.9);
    expect(bound).toBeLessThanOrEqual(PROJECTS * 1.1);
    expect(store.rollupStats().reads).toBe(reads + 1);
  });

  it('falls back to the estimate of the subject own rows when the bound does not fit', async () => {
    expect(await store.estimateGroups({ ...q, enough: 10 })).toBe(2);
    expect(await store.estimateGroups(q)).toBe(2);
  });
});

// The same cost check over closed months: the archive keeps, per meter rows file, each subject's
// distinct values per dimension (src/store/embedded/archive/subject-dims.ts), so the bound of a
// per-subject query sums them over the months in range, plus an estimate of the rows still hot,
// and reads no archived row. Every expected bound is computed from the events sent.
describe('group estimate of a per-subject query over archived months', () => {
  const JAN = Date.UTC(2026, 0, 1);
  const FEB = Date.UTC(2026, 1, 1);
  const MAR = Date.UTC(2026, 2, 1);
  const t = { clock: Date.UTC(2026, 2, 10, 12) };
  const dir = mkdtempSync(join(tmpdir(), 'tally-bound-archive-'));
  const open = () =>
    DuckDbStore.open({ dataDir: dir, compaction: { intervalMs: 0, now: () => t.clock } });
  let store: DuckDbStore;
  let d: ReturnType<typeof domainOver>;
  let account: string;
  let meterId: string;
  let sent = 0;

  interface Use {
    subject: string;
    time: number;
    project: string;
    region: string;
  }
  const uses: Use[] = [];

  async function send(batch: Use[]): Promise<void> {
    uses.push(...batch);
    await d.ingest.ingest(
      account,
      batch.map((u) => ({
        value: {
          id: `a${sent++}`,
          source: 'bound',
          specversion: '1.0',
          type: 'call',
          subject: u.subject,
          time: new Date(u.time).toISOString(),
          data: { project: u.project, region: u.region },
        },
      })),
    );
  }

  /** Folded (the rows count as activity at the current clock), then quiet long enough to archive. */
  async function archiveClosedMonths(): Promise<void> {
    await store.stats();
    t.clock += 60_000;
    await store.compactNow();
  }

  /** The reference bound: per month, the product of the subject's distinct values per field. */
  function expectedBound(
    subject: string,
    fields: ('project' | 'region')[],
    hot: (u: Use) => boolean = (u) => u.time >= MAR,
  ): number {
    const byMonth = new Map<string, Map<string, Set<string>>>();
    const hotKeys = new Set<string>();
    for (const u of uses) {
      if (u.subject !== subject) continue;
      if (hot(u)) {
        hotKeys.add(fields.map((f) => u[f]).join('|'));
        continue;
      }
      const month = new Date(u.time).toISOString().slice(0, 7);
      const sets = byMonth.get(month) ?? new Map(fields.map((f) => [f, new Set<string>()]));
      byMonth.set(month, sets);
      for (const f of fields) sets.get(f)?.add(u[f]);
    }
    let sum = hotKeys.size;
    for (const sets of byMonth.values()) {
      sum += [...sets.values()].reduce((p, s) => p * s.size, 1);
    }
    return sum;
  }

  const query = (slots: number[], enough?: number): GroupEstimateQuery => ({
    accountId: account,
    meterId,
    from: JAN,
    to: MAR + 10 * 86_400_000,
    groupBy: slots.map((slot) => ({ kind: 'dim', slot })),
    filter: { op: 'eq', dim: { kind: 'subject' }, value: 'one' },
    ...(enough === undefined ? {} : { enough }),
  });

  /** Estimates `q` and reports whether the subject bound answered it. */
  async function estimate(q: GroupEstimateQuery): Promise<{ groups: number; bound: boolean }> {
    const before = store.subjectBoundReads();
    const groups = await store.estimateGroups(q);
    return { groups, bound: store.subjectBoundReads() === before + 1 };
  }

  beforeAll(async () => {
    store = await open();
    d = domainOver(store, () => t.clock);
    account = (await d.keys.createAccount('bound-archive')).id;
    meterId = (
      await d.meters.create(account, {
        slug: 'calls',
        aggregation: 'COUNT',
        eventType: 'call',
        groupBy: { project: '$.project', region: '$.region' },
      })
    ).id;
    const at = (month: number, i: number) => month + i * 3_600_000;
    await send([
      // "one": January p0, p1 in r0; February p1, p2, p3 in r0 and r1; March (open) p9.
      ...['p0', 'p1', 'p0'].map((project, i) => ({
        subject: 'one',
        time: at(JAN, i),
        project,
        region: 'r0',
      })),
      ...['p1', 'p2', 'p3', 'p2'].map((project, i) => ({
        subject: 'one',
        time: at(FEB, i),
        project,
        region: `r${i % 2}`,
      })),
      { subject: 'one', time: at(MAR, 1), project: 'p9', region: 'r0' },
      // "two": 30 projects in January, none of which "one" may count.
      ...Array.from({ length: 30 }, (_, i) => ({
        subject: 'two',
        time: at(JAN, i),
        project: `q${i}`,
        region: 'r5',
      })),
    ]);
    await archiveClosedMonths();
    expect(store.archivedMonths().map((m) => m.month)).toEqual([JAN, FEB]);
  });

  afterAll(async () => {
    await store.close();
  });

  it('sums the archived months per subject and the hot rows, reading no archived row', async () => {
    // The rollup's bound (every subject's projects: 36) does not fit 20; this one does.
    expect(expectedBound('one', ['project'])).toBe(2 + 3 + 1);
    expect(await estimate(query([0], 20))).toEqual({ groups: 6, bound: true });
    // Two fields: January 2 x 1, February 3 x 2, March 1.
    expect(expectedBound('one', ['project', 'region'])).toBe(9);
    expect(await estimate(query([0, 1], 20))).toEqual({ groups: 9, bound: true });
  });

  it('falls back to the estimate of the subject own rows when the bound does not fit', async () => {
    // The exact groups: p0, p1, p2, p3, p9.
    expect(await estimate(query([0], 5))).toEqual({ groups: 5, bound: false });
  });

  it('counts a late event of an archived month while hot, then in the month file archived again', async () => {
    // Enough late rows (3 of January's 33) for compaction to archive the month again.
    const late: Use[] = [1, 2, 3].map((day) => ({
      subject: 'one',
      time: JAN + day * 86_400_000,
      project: 'p7',
      region: 'r0',
    }));
    await send(late);
    // Hot now: March's p9 and January's late p7.
    const whileHot = expectedBound('one', ['project'], (u) => late.includes(u) || u.time >= MAR);
    expect(whileHot).toBe(2 + 3 + 2);
    expect(await estimate(query([0], 20))).toEqual({ groups: whileHot, bound: true });
    await archiveClosedMonths();
    expect(store.archivedMonths().find((m) => m.month === JAN)?.rowsGen).toBe(2);
    // January is 3 projects now, counted from its new file; the hot part is March's alone.
    expect(expectedBound('one', ['project'])).toBe(3 + 3 + 1);
    expect(await estimate(query([0], 20))).toEqual({ groups: 7, bound: true });
  });

  it('counts, after a start, the months archived before the counts existed', async () => {
    await store.close();
    const db = await DuckDBInstance.create(join(dir, 'tally.duckdb'));
    const conn = await db.connect();
    await conn.run('DELETE FROM archive_subject_dims; DELETE FROM archive_subject_dims_files');
    conn.closeSync();
    db.closeSync();
    store = await open();
    expect(await store.subjectDimsCounted()).toBe(2);
    expect(await estimate(query([0], 20))).toEqual({ groups: 7, bound: true });
  });

  it('follows a backfill that rewrites the archived files without the meter', async () => {
    d = domainOver(store, () => t.clock);
    await d.meters.update(account, 'calls', { groupBy: { region: '$.region' } });
    // Every row of the meter is hot again: "one" used regions r0 and r1 (all subjects: 3).
    expect(await estimate(query([0], 2))).toEqual({ groups: 2, bound: true });
  });
});
