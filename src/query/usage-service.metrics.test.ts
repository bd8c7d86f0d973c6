// queryMetrics, queryTotals and windowSize AUTO through the real engine and the embedded store.
// Expected numbers are computed here from the event list, never from the engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Domain, domainOver } from '../../test/behaviour/domain.js';
import { DuckDbStore } from '../store/embedded/duckdb-store.js';
import { div, meter, round } from './metric-expr.js';
import type { MetricsQuery } from './metrics-query.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2024, 4, 1);

interface Ev {
  type: 'view' | 'error' | 'watch';
  day: number;
  country: string;
  session: string;
  seconds?: number;
}

const EVENTS: Ev[] = [
  { type: 'view', day: 0, country: 'nl', session: 's1' },
  { type: 'view', day: 0, country: 'nl', session: 's2' },
  { type: 'view', day: 0, country: 'de', session: 's3' },
  { type: 'view', day: 1, country: 'nl', session: 's4' },
  { type: 'error', day: 0, country: 'nl', session: 's1' },
  { type: 'error', day: 0, country: 'nl', session: 's1' },
  // An error in a country with no view that day: the rate over no views is 0.
  { type: 'error', day: 1, country: 'be', session: 's5' },
  // s1 errors on day 1 as well, in another country: distinct overall, twice across groups.
  { type: 'error', day: 1, country: 'nl', session: 's1' },
  { type: 'watch', day: 0, country: 'nl', session: 's1', seconds: 100 },
  { type: 'watch', day: 0, country: 'de', session: 's3', seconds: 35 },
  { type: 'watch', day: 1, country: 'nl', session: 's4', seconds: 20 },
];

let dir: string;
let domain: Domain;
let accountId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-metrics-'));
  const store = await DuckDbStore.open({ dataDir: dir });
  domain = domainOver(store);
  accountId = (await domain.keys.createAccount('metrics')).id;
  const dims = { country: '$.country' };
  await domain.meters.create(accountId, {
    slug: 'views',
    aggregation: 'COUNT',
    eventType: 'view',
    groupBy: dims,
  });
  await domain.meters.create(accountId, {
    slug: 'error_sessions',
    aggregation: 'UNIQUE_COUNT',
    eventType: 'error',
    valueProperty: '$.session',
    groupBy: dims,
  });
  await domain.meters.create(accountId, {
    slug: 'watch_seconds',
    aggregation: 'SUM',
    eventType: 'watch',
    valueProperty: '$.seconds',
    groupBy: dims,
  });
  const summary = await domain.ingest.ingest(
    accountId,
    EVENTS.map((e, i) => ({
      value: {
        id: `e${i}`,
        source: 'test',
        specversion: '1.0',
        type: e.type,
        subject: 'acme',
        time: new Date(T0 + e.day * D + 5 * H).toISOString(),
        data: { country: e.country, session: e.session, seconds: e.seconds },
      },
    })),
  );
  expect(summary.rejected).toEqual([]);
}, 60_000);

afterAll(async () => {
  await domain?.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const scope: Omit<MetricsQuery, 'metrics'> = {
  from: T0,
  to: T0 + 2 * D,
  windowSize: 'DAY',
  timeZone: 'UTC',
  groupBy: ['country'],
  subjects: [],
  filters: {},
  mode: { kind: 'incremental' },
  fillZero: false,
};

const count = (type: Ev['type'], day: number, country: string) =>
  EVENTS.filter((e) => e.type === type && e.day === day && e.country === country).length;
const sessions = (type: Ev['type'], pred: (e: Ev) => boolean) =>
  new Set(EVENTS.filter((e) => e.type === type && pred(e)).map((e) => e.session)).size;

describe('UsageService.queryMetrics', () => {
  it('reports meters side by side and their ratio per day and country', async () => {
    const result = await domain.usage.queryMetrics(accountId, {
      ...scope,
      metrics: {
        views: meter('views'),
        errorRate: div(meter('error_sessions'), meter('views')),
      },
    });
    const expected: [number, string, Record<string, number>][] = [];
    for (const day of [0, 1]) {
      for (const country of ['be', 'de', 'nl']) {
        const views = count('view', day, country);
        const errs = sessions('error', (e) => e.day === day && e.country === country);
        if (views === 0 && errs === 0) continue;
        const values: Record<string, number> = { errorRate: views > 0 ? errs / views : 0 };
        if (views > 0) values.views = views;
        expected.push([day, country, values]);
      }
    }
    expect(result.windowSize).toBe('DAY');
    expect(result.rows.map((r) => [(r.windowStart - T0) / D, r.groupBy.country, r.values])).toEqual(
      expected,
    );
  });
});

describe('UsageService.queryTotals', () => {
  it('answers one ungrouped total per metric; distinct counts stay distinct', async () => {
    const totals = await domain.usage.queryTotals(accountId, {
      from: T0,
      to: T0 + 2 * D,
      subjects: [],
      filters: {},
      metrics: {
        seconds: meter('watch_seconds'),
        errorSessions: meter('error_sessions'),
        secondsPerView: round(div(meter('watch_seconds'), meter('views'))),
      },
    });
    const seconds = EVENTS.reduce((s, e) => s + (e.seconds ?? 0), 0);
    const views = EVENTS.filter((e) => e.type === 'view').length;
    expect(totals).toEqual({
      seconds,
      errorSessions: sessions('error', () => true),
      secondsPerView: Math.round(seconds / views),
    });
  });

  it('is 0 for every metric over a range with no events', async () => {
    const totals = await domain.usage.queryTotals(accountId, {
      from: T0 - 10 * D,
      to: T0 - 9 * D,
      subjects: [],
      filters: { country: { $eq: 'nl' } },
      metrics: {
        seconds: meter('watch_seconds'),
        rate: div(meter('error_sessions'), meter('views')),
      },
    });
    expect(totals).toEqual({ seconds: 0, rate: 0 });
  });
});

describe('windowSize AUTO', () => {
  it('resolves from the range and reports the size it used', async () => {
    const r = await domain.usage.query(accountId, {
      meterSlug: 'views',
      from: T0,
      to: T0 + D,
      windowSize: 'AUTO',
      timeZone: 'UTC',
      groupBy: [],
      subjects: [],
      filters: {},
      mode: { kind: 'incremental' },
      fillZero: true,
    });
    expect(r.windowSize).toBe('HOUR');
    expect(r.rows).toHaveLength(24);
    expect(r.rows[5]?.value).toBe(EVENTS.filter((e) => e.type === 'view' && e.day === 0).length);
  });

  it('uses the policy the query declares', async () => {
    const r = await domain.usage.query(accountId, {
      meterSlug: 'views',
      from: T0,
      to: T0 + 2 * D,
      windowSize: 'AUTO',
      autoWindow: { steps: [], otherwise: 'DAY' },
      timeZone: 'UTC',
      groupBy: [],
      subjects: [],
      filters: {},
      mode: { kind: 'incremental' },
      fillZero: false,
    });
    expect(r.windowSize).toBe('DAY');
    expect(r.rows.map((row) => row.value)).toEqual(
      [0, 1].map((day) => EVENTS.filter((e) => e.type === 'view' && e.day === day).length),
    );
  });
});
