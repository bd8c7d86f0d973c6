// A data directory of release 41ce49f has no rollup: the store must answer from raw rows until a
// meter's rollup is rebuilt (in the background, one meter per transaction on the compactor's
// connection), then from the rollup, with the same numbers throughout. The rebuild is held open
// inside its transaction by the store's test hook while new events are folded, so nothing here
// depends on timing; the events folded meanwhile must count exactly once afterwards. Expectations
// come from the generator that made the events (test/fixtures/upgrade), never from the store.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { MeterService } from '../../src/meter/meter-service.js';
import type { UsageRow } from '../../src/query/usage-query.js';
import { UsageService } from '../../src/query/usage-service.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { expectedUsage, groupKey, type Totals } from '../fixtures/upgrade/expected.js';
import {
  ACCOUNT_NAMES,
  ACTIVE_USERS,
  type AccountName,
  type FixtureEvent,
  type MeterSpec,
  QUERY_FROM,
  QUERY_TO,
  REQUESTS,
  storedEvents,
  TOKENS,
  TOKENS_EDITED_GROUP_BY,
  thirdBatch,
  type UpgradeManifest,
} from '../fixtures/upgrade/generator.js';

const FIXTURE = fileURLToPath(
  new URL('../fixtures/upgrade/embedded-41ce49f.tar.gz', import.meta.url),
);
const TOKENS_NOW: MeterSpec = { ...TOKENS, groupBy: TOKENS_EDITED_GROUP_BY };

/**
 * Queries the rollups serve (numeric: no subject, at most one dimension; distinct: no grouping),
 * and three they must not.
 */
const SERVED: { meter: MeterSpec; groupBy: string[] }[] = [
  { meter: TOKENS_NOW, groupBy: [] },
  { meter: TOKENS_NOW, groupBy: ['model'] },
  { meter: TOKENS_NOW, groupBy: ['tier'] },
  { meter: REQUESTS, groupBy: [] },
  { meter: REQUESTS, groupBy: ['method'] },
  { meter: ACTIVE_USERS, groupBy: [] },
];
const RAW: { meter: MeterSpec; groupBy: string[] }[] = [
  { meter: TOKENS_NOW, groupBy: ['subject'] },
  { meter: TOKENS_NOW, groupBy: ['model', 'tier'] },
  { meter: ACTIVE_USERS, groupBy: ['model'] },
];

/** The hook: the first rollup transaction it sees waits inside until released. */
class Hold {
  entered!: Promise<void>;
  private enter = () => {};
  private open = () => {};
  private released!: Promise<void>;
  private armed = true;
  works: string[] = [];

  constructor() {
    this.entered = new Promise((r) => {
      this.enter = r;
    });
    this.released = new Promise((r) => {
      this.open = r;
    });
  }

  readonly hook = async (work: 'merge' | 'rebuild'): Promise<void> => {
    this.works.push(work);
    if (!this.armed) return;
    this.armed = false;
    this.enter();
    await this.released;
  };

  release(): void {
    this.open();
  }
}

function totalsOf(rows: UsageRow[], groupBy: readonly string[]): Totals {
  const out: Totals = {};
  for (const r of rows) {
    const values = groupBy.map((g) => (g === 'subject' ? r.subject : (r.groupBy[g] ?? null)));
    out[groupKey(r.windowStart, values)] = r.value;
  }
  return out;
}

describe('a store opened on a directory of 41ce49f: raw answers until its rollups are rebuilt', () => {
  let root = '';
  let dataDir = '';
  let manifest: UpgradeManifest;
  let store: DuckDbStore;
  let usage: UsageService;
  let meters: MeterService;
  const hold = new Hold();
  const accountId = (name: AccountName) => manifest.accounts[name].id;

  const open = async () => {
    store = await DuckDbStore.open({
      dataDir,
      compaction: { intervalMs: 0, holdRollup: hold.hook },
    });
    meters = new MeterService(store);
    usage = new UsageService(meters, store);
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tally-rollup-upgrade-'));
    execFileSync('tar', ['-xzf', FIXTURE, '-C', root]);
    dataDir = join(root, 'data');
    manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as UpgradeManifest;
    await open();
  });

  afterAll(async () => {
    hold.release();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const monthly = async (meter: MeterSpec, groupBy: string[]) =>
    totalsOf(
      (
        await usage.query(accountId(meter.account), {
          meterSlug: meter.slug,
          from: QUERY_FROM,
          to: QUERY_TO,
          windowSize: 'MONTH',
          timeZone: 'UTC',
          groupBy,
          subjects: [],
          filters: {},
          mode: { kind: 'incremental' },
          fillZero: false,
        })
      ).rows,
      groupBy,
    );

  /**
   * Every query equals the generator's numbers. Returns which answers read the rollup: 'served'
   * if every query it serves did (its group estimate may too), 'none' if no query did.
   */
  async function expectUsage(events: readonly FixtureEvent[]): Promise<'served' | 'none' | 'some'> {
    const fromRollup: boolean[] = [];
    for (const { meter, groupBy } of [...SERVED, ...RAW]) {
      const before = store.rollupStats().reads;
      expect(await monthly(meter, groupBy), `${meter.slug} by [${groupBy}]`).toEqual(
        expectedUsage(meter, events, groupBy),
      );
      fromRollup.push(store.rollupStats().reads > before);
    }
    if (fromRollup.every((r) => !r)) return 'none';
    const served = fromRollup.map((r, i) => r === i < SERVED.length);
    return served.every(Boolean) ? 'served' : 'some';
  }

  const meterIds = async () =>
    (
      await Promise.all(
        [TOKENS, REQUESTS, ACTIVE_USERS].map((m) => meters.get(accountId(m.account), m.slug)),
      )
    )
      .map((m) => m.id)
      .sort();

  it('answers from raw rows while the rebuild is held, new events included', async () => {
    await hold.entered;
    const stats = store.rollupStats();
    expect(stats.ready).toEqual([]);
    expect(stats.pending).toEqual(await meterIds());
    expect(await expectUsage(storedEvents())).toBe('none');

    // Folded while the first rebuild's transaction is open: after its snapshot.
    const third = thirdBatch();
    const ingest = new IngestService(store, meters, { maxInFlightEvents: 200_000 });
    for (const account of ACCOUNT_NAMES) {
      const mine = third.filter((e) => e.account === account);
      expect(
        await ingest.ingest(
          accountId(account),
          mine.map((e) => ({ value: e.event })),
        ),
      ).toMatchObject({ accepted: mine.length, duplicates: 0 });
    }
    expect(await expectUsage([...storedEvents(), ...third])).toBe('none');
    expect(store.rollupStats().ready).toEqual([]);
  });

  it('answers the same from the rollups once rebuilt', async () => {
    hold.release();
    await store.rollupsRebuilt();
    expect(hold.works).toEqual(['rebuild', 'rebuild', 'rebuild']);
    expect(store.rollupStats()).toMatchObject({ ready: await meterIds(), pending: [] });
    const all = [...storedEvents(), ...thirdBatch()];
    expect(await expectUsage(all)).toBe('served');
    // Rewrites of the changed months merge the rollup's partial rows of their range.
    await store.compactNow();
    expect(await expectUsage(all)).toBe('served');
  });

  it('keeps the rollups ready across a reopen, with no rebuild', async () => {
    await store.close();
    hold.works.length = 0;
    await open();
    await store.rollupsRebuilt();
    expect(hold.works).toEqual([]);
    expect(store.rollupStats()).toMatchObject({ ready: await meterIds(), pending: [] });
    expect(await expectUsage([...storedEvents(), ...thirdBatch()])).toBe('served');
  });
});
