// The cost bound inside the UsageService, on the real embedded store: the estimate refuses before
// the store aggregates, and the budget counted while the result is assembled holds when the
// estimate was too low (here: a store that claims one group).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Domain, domainOver } from '../../test/behaviour/domain.js';
import { QueryTooExpensiveError } from '../errors/domain-errors.js';
import { DuckDbStore } from '../store/embedded/duckdb-store.js';
import type { Store } from '../store/ports.js';
import type { BaseUsageQuery } from './planned-query.js';
import type { UsageQuery } from './usage-query.js';
import { UsageService } from './usage-service.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 2, 1);
const SUBJECTS = ['a', 'b', 'c', 'd', 'e'];

let dir: string;
let domain: Domain;
let accountId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-cost-'));
  domain = domainOver(await DuckDbStore.open({ dataDir: dir }));
  accountId = (await domain.keys.createAccount('cost')).id;
  await domain.meters.create(accountId, { slug: 'hits', aggregation: 'COUNT', eventType: 'hit' });
  await domain.meters.create(accountId, {
    slug: 'users',
    aggregation: 'UNIQUE_COUNT',
    eventType: 'hit',
    valueProperty: '$.user',
  });
  // Every subject in every one of 24 hours.
  const events = [];
  for (let h = 0; h < 24; h++) {
    for (const subject of SUBJECTS) {
      events.push({
        value: {
          id: `${h}-${subject}`,
          source: 'test',
          specversion: '1.0',
          type: 'hit',
          subject,
          time: new Date(T0 + h * H + 60_000).toISOString(),
          data: { user: `u${h % 3}` },
        },
      });
    }
  }
  const summary = await domain.ingest.ingest(accountId, events);
  expect(summary.rejected).toEqual([]);
}, 60_000);

afterAll(async () => {
  await domain?.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const query = (meterSlug: string, over: Partial<UsageQuery> = {}): UsageQuery => ({
  meterSlug,
  from: T0,
  to: T0 + 24 * H,
  windowSize: 'HOUR',
  timeZone: 'UTC',
  groupBy: ['subject'],
  subjects: [],
  filters: {},
  mode: { kind: 'incremental' },
  fillZero: false,
  ...over,
});

/** The domain's store, but estimating `groups` groups and recording what was asked of it. */
function lyingStore(groups: number, calls: string[]): Store {
  const store = domain.store;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'estimateGroups') {
        return async () => {
          calls.push('estimate');
          return groups;
        };
      }
      if (prop === 'aggregateNumeric' || prop === 'aggregateUnique') {
        return (q: BaseUsageQuery) => {
          calls.push(`${String(prop)}:${q.rowLimit}`);
          return (target[prop] as (q: BaseUsageQuery) => Promise<unknown>).call(target, q);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('UsageService cost bound', () => {
  it('estimates groups: 24 windows alone fit 100 cells, 24 x 5 subjects do not', async () => {
    const usage = new UsageService(domain.meters, domain.store, undefined, { maxCells: 100 });
    expect(await usage.query(accountId, query('hits', { groupBy: [] }))).toMatchObject({
      rows: expect.arrayContaining([expect.objectContaining({ value: 5 })]),
    });
    const err = await usage.query(accountId, query('hits')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTooExpensiveError);
    expect((err as Error).message).toMatch(/estimated at \d+ cells \(24 windows x \d+ groups\)/);
  });

  it('refuses before the store aggregates anything', async () => {
    const calls: string[] = [];
    const usage = new UsageService(domain.meters, lyingStore(1000, calls), undefined, {
      maxCells: 100,
    });
    await expect(usage.query(accountId, query('hits'))).rejects.toBeInstanceOf(
      QueryTooExpensiveError,
    );
    expect(calls).toEqual(['estimate']);
  });

  it('still holds the budget when the estimate was too low (fill=zero rows)', async () => {
    const calls: string[] = [];
    const usage = new UsageService(domain.meters, lyingStore(1, calls), undefined, {
      maxCells: 100,
    });
    // 60 MINUTE windows x 5 subjects = 300 cells from only 5 partial rows: the estimate said 60
    // cells, the count while evaluating refuses at the second group.
    for (const meter of ['hits', 'users']) {
      const err = await usage
        .query(accountId, query(meter, { fillZero: true, windowSize: 'MINUTE', to: T0 + H }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryTooExpensiveError);
      expect((err as Error).message).toContain('reached 120 cells (60 windows x 2 groups)');
      expect((err as Error).message).toContain('limit of 100 cells');
    }
    // The store was asked for one row more than the budget, never an unbounded result.
    expect(calls).toEqual(['estimate', 'aggregateNumeric:101', 'estimate', 'aggregateUnique:101']);
  });

  it('reads at most one store row more than the budget, and refuses on it', async () => {
    const calls: string[] = [];
    const usage = new UsageService(domain.meters, lyingStore(1, calls), undefined, {
      maxCells: 100,
    });
    // 24 hours x 5 subjects = 120 partial rows, and the store is asked for 101 of them.
    const err = await usage.query(accountId, query('hits')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTooExpensiveError);
    expect((err as Error).message).toContain('more than 100 partial rows');
    expect(calls).toEqual(['estimate', 'aggregateNumeric:101']);
  });

  it('refuses too many windows while planning, before any store call', async () => {
    const calls: string[] = [];
    const usage = new UsageService(domain.meters, lyingStore(1, calls), undefined, {
      maxCells: 50,
    });
    const err = await usage
      .query(accountId, query('hits', { windowSize: 'MINUTE', groupBy: [] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTooExpensiveError);
    expect((err as Error).message).toContain('1440 windows');
    expect(calls).toEqual([]);
  });

  it('splits one budget among the meters a metrics query reads together', async () => {
    // 24 hours x 5 subjects = 120 cells per meter: one meter fits 200 cells, two meters joined
    // into one answer get 100 each and are refused.
    const usage = new UsageService(domain.meters, domain.store, undefined, { maxCells: 200 });
    const { meterSlug: _, ...scope } = query('hits');
    expect((await usage.query(accountId, query('hits'))).rows).toHaveLength(120);
    const one = await usage.queryMetrics(accountId, {
      ...scope,
      metrics: { h: { meter: 'hits' } },
    });
    expect(one.rows).toHaveLength(120);
    const err = await usage
      .queryMetrics(accountId, {
        ...scope,
        metrics: { h: { meter: 'hits' }, u: { meter: 'users' } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTooExpensiveError);
    expect((err as Error).message).toContain('limit of 100 cells');
  });

  it('answers queries within the budget exactly as before', async () => {
    const usage = new UsageService(domain.meters, domain.store, undefined, { maxCells: 120 });
    const r = await usage.query(accountId, query('hits', { fillZero: true }));
    expect(r.rows).toHaveLength(120);
    expect(r.rows.every((row) => row.value === 1)).toBe(true);
  });
});
