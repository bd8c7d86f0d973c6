// The native query routes mounted alone on a Hono app, over the real UsageService with an in-memory
// meter list and a fake store reader: every bad parameter is reported in one problem+json, the
// range is refused once (by the planner), and a good query is answered in the wire shape.
// Expected windows are written by hand from Berlin's clock change on 29 March 2026 (01:00 UTC).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, NumericRow } from '../../query/planned-query.js';
import type { UsageReader } from '../../store/ports.js';
import type { AppEnv } from '../context.js';
import { registerMeterQueryRoutes } from './meter-query.routes.js';
import { routesOver } from './routes.test-support.js';

const NOW = Date.parse('2026-04-01T00:00:00Z');

function setup(rows: NumericRow[] = []) {
  const asked: BaseUsageQuery[] = [];
  const reader: Partial<UsageReader> = {
    readsRawEvents: true,
    aggregateNumeric: async (q) => {
      asked.push(q);
      return rows;
    },
    estimateGroups: async () => 2,
  };
  return { app: routesOver(registerMeterQueryRoutes, reader, NOW), asked };
}

interface ProblemBody {
  status: number;
  detail: string;
  extensions?: { validationErrors: { field: string; message: string }[] };
}

async function problem(res: Response): Promise<ProblemBody> {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as ProblemBody;
}

const fields = (p: ProblemBody) => (p.extensions?.validationErrors ?? []).map((e) => e.field);

const post = (app: OpenAPIHono<AppEnv>, body: unknown) =>
  app.request('/api/v1/meters/tokens/query', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('native query: validation', () => {
  it('GET: every bad parameter is listed in one 400, under its own name', async () => {
    const { app, asked } = setup();
    const p = await problem(
      await app.request(
        '/api/v1/meters/tokens/query?from=last%20tuesday&windowSize=FORTNIGHT&windowTimeZone=Mars%2FOlympus',
      ),
    );
    expect(fields(p).sort()).toEqual(['from', 'windowSize', 'windowTimeZone']);
    expect(asked).toEqual([]);
  });

  it('POST: the zone is refused by the contract alone, once', async () => {
    const { app } = setup();
    const p = await problem(await post(app, { windowSize: 'DAY', windowTimeZone: 'Mars/Olympus' }));
    expect(p.extensions?.validationErrors).toEqual([
      {
        field: 'windowTimeZone',
        code: 'validation_error',
        message: 'windowTimeZone: unknown time zone or offset (IANA name or +05:45)',
      },
    ]);
  });

  it('from >= to is refused once, under "from", with the planner\u2019s message', async () => {
    const { app, asked } = setup();
    for (const res of [
      await app.request('/api/v1/meters/tokens/query?from=2026-03-02&to=2026-03-01'),
      await post(app, { from: '2026-03-01', to: '2026-03-01' }),
    ]) {
      const p = await problem(res);
      expect(p.extensions?.validationErrors).toEqual([
        { field: 'from', code: 'validation_error', message: 'from: from must be before to' },
      ]);
    }
    expect(asked).toEqual([]);
  });

  it('POST: unknown fields and an unknown dimension are refused', async () => {
    const { app } = setup();
    expect(fields(await problem(await post(app, { colour: 'red' })))).toEqual(['']);
    expect(fields(await problem(await post(app, { groupBy: ['colour'] })))).toEqual(['groupBy']);
  });
});

describe('native query: answers', () => {
  it('DAY windows in Europe/Berlin across the change of clocks, grouped by region', async () => {
    const row = (window: number, region: string, sum: number): NumericRow => ({
      window,
      keys: [region],
      count: 1,
      sum,
      min: sum,
      max: sum,
      latest: null,
      latestTime: null,
    });
    const { app, asked } = setup([row(0, 'eu', 5), row(1, 'us', 7)]);
    // Local midnights of 28 and 30 March: +01:00 before the change, +02:00 after it.
    const res = await app.request(
      `/api/v1/meters/tokens/query?from=${encodeURIComponent('2026-03-28T00:00:00+01:00')}&to=${encodeURIComponent('2026-03-30T00:00:00+02:00')}&windowSize=P1D&windowTimeZone=Europe%2FBerlin&groupBy=region`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      from: '2026-03-27T23:00:00.000Z',
      to: '2026-03-29T22:00:00.000Z',
      windowSize: 'DAY',
      windowTimeZone: 'Europe/Berlin',
      data: [
        {
          value: 5,
          windowStart: '2026-03-27T23:00:00.000Z',
          windowEnd: '2026-03-28T23:00:00.000Z',
          subject: null,
          groupBy: { region: 'eu' },
        },
        {
          value: 7,
          windowStart: '2026-03-28T23:00:00.000Z',
          windowEnd: '2026-03-29T22:00:00.000Z',
          subject: null,
          groupBy: { region: 'us' },
        },
      ],
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      accountId: 'acct',
      meterId: 'm1',
      from: Date.parse('2026-03-27T23:00:00Z'),
      to: Date.parse('2026-03-29T22:00:00Z'),
      groupBy: [{ kind: 'dim', slot: 0 }],
    });
  });

  it('relative instants resolve against the services\u2019 clock; the zone text is echoed', async () => {
    const { app, asked } = setup();
    const res = await post(app, { from: '-P1D', to: 'now', windowTimeZone: '+05:45' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      from: '2026-03-31T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      windowTimeZone: '+05:45',
      data: [],
    });
    expect(asked[0]).toMatchObject({ from: NOW - 86_400_000, to: NOW });
  });
});
