// The subject and dimension-value lists of the meter routes, mounted alone on a Hono app over the
// real UsageService with an in-memory meter list and a fake store reader. Their range is read by
// the contract's instant schema and, since these lists are never planned, checked here.
import { describe, expect, it } from 'vitest';
import { INSTANT_GRAMMAR } from '../../lib/time/instant.js';
import type { DistinctValuesQuery } from '../../query/planned-query.js';
import type { UsageReader } from '../../store/ports.js';
import { registerMeterRoutes } from './meters.routes.js';
import { routesOver } from './routes.test-support.js';

const NOW = Date.parse('2026-04-01T12:00:00Z');
const HOUR = 3_600_000;

function setup() {
  const asked: DistinctValuesQuery[] = [];
  const reader: Partial<UsageReader> = {
    distinctValues: async (q) => {
      asked.push(q);
      return ['eu', 'us'];
    },
  };
  return { app: routesOver(registerMeterRoutes, reader, NOW), asked };
}

interface ProblemBody {
  extensions?: { validationErrors: { field: string; code: string; message: string }[] };
}

async function issues(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return ((await res.json()) as ProblemBody).extensions?.validationErrors;
}

describe('subject and value lists: the range', () => {
  it('both unreadable bounds are named in one 400, in the grammar\u2019s words', async () => {
    const { app, asked } = setup();
    expect(
      await issues(await app.request('/api/v1/meters/tokens/subjects?from=garbage&to=last%20week')),
    ).toEqual([
      { field: 'from', code: 'validation_error', message: `from: must be ${INSTANT_GRAMMAR}` },
      { field: 'to', code: 'validation_error', message: `to: must be ${INSTANT_GRAMMAR}` },
    ]);
    // 16 digits of epoch milliseconds: after year 9999.
    expect(
      await issues(await app.request('/api/v1/meters/tokens/subjects?to=9999999999999999')),
    ).toEqual([
      { field: 'to', code: 'validation_error', message: `to: must be ${INSTANT_GRAMMAR}` },
    ]);
    expect(asked).toEqual([]);
  });

  it('a relative bound that lands before year 0000 is refused under its name', async () => {
    const { app } = setup();
    expect(
      await issues(await app.request(`/api/v1/meters/tokens/subjects?from=-P${2100 * 365}D`)),
    ).toEqual([
      { field: 'from', code: 'validation_error', message: `from: must be ${INSTANT_GRAMMAR}` },
    ]);
  });

  it('from >= to is refused under "from"', async () => {
    const { app, asked } = setup();
    for (const q of ['from=2026-03-02&to=2026-03-01', 'from=2026-03-01&to=2026-03-01']) {
      expect(
        await issues(await app.request(`/api/v1/meters/tokens/group-by/region/values?${q}`)),
      ).toEqual([{ field: 'from', code: 'validation_error', message: 'from: must be before to' }]);
    }
    expect(asked).toEqual([]);
  });
});

describe('subject and value lists: answers', () => {
  it('values of a dimension in the range asked, read from its slot', async () => {
    const { app, asked } = setup();
    const res = await app.request(
      '/api/v1/meters/tokens/group-by/model/values?from=2026-03-01&to=-PT1H',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['eu', 'us']);
    expect(asked).toEqual([
      {
        accountId: 'acct',
        meterId: 'm1',
        dim: { kind: 'dim', slot: 1 },
        from: Date.parse('2026-03-01T00:00:00Z'),
        to: NOW - HOUR,
        limit: 10_000,
      },
    ]);
  });

  it('no bounds, or empty ones: the last 24 hours, up to and including now', async () => {
    const { app, asked } = setup();
    for (const q of ['', '?from=&to=']) {
      expect((await app.request(`/api/v1/meters/tokens/subjects${q}`)).status).toBe(200);
    }
    expect(asked.map((q) => [q.dim, q.from, q.to])).toEqual([
      [{ kind: 'subject' }, NOW - 24 * HOUR, NOW + 1],
      [{ kind: 'subject' }, NOW - 24 * HOUR, NOW + 1],
    ]);
  });
});
