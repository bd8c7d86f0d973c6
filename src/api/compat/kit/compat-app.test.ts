// The kit end to end on a tiny profile: key check, query parsing and error mapping, each thrown as
// a domain error and rendered in the profile's own body (here `{problem: {...}}`), mounted under a
// parent app the way the server mounts profiles.

import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RateLimitedError, UnavailableError } from '../../../errors/domain-errors.js';
import type { MeterDefinition } from '../../../meter/meter-definition.js';
import { planUsage } from '../../../query/planner.js';
import type { CompatDeps, VerifiedKey } from '../profile.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { compatKit } from './compat-app.js';
import { authorizationBearer, verifiedKey } from './key-auth.js';
import { parseQuery } from './parse-query.js';
import type { VendorErrors } from './vendor-errors.js';

const METER: MeterDefinition = {
  id: 'm1',
  accountId: 'acme',
  slug: 'minutes',
  name: 'minutes',
  aggregation: 'SUM',
  eventType: 'play',
  valueProperty: '$.ms',
  dimensions: [],
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
};

const KEYS: Record<string, VerifiedKey> = {
  'sk-acme': { accountId: 'acme', kind: 'secret' },
  'pk-acme': { accountId: 'acme', kind: 'publishable' },
  'sk-other': { accountId: 'other', kind: 'secret' },
  'sk-legacy': { accountId: 'acme', kind: 'secret', subject: 'alice' },
};

const unused = () => Promise.reject(new Error('not used by this test'));

/** The real planner behind a fake usage port: it is the one guard of the range. */
const deps: CompatDeps = {
  keys: { verify: async (raw) => KEYS[raw] },
  accounts: { hasProfile: async (accountId, name) => accountId === 'acme' && name === 'demo' },
  meters: { list: async () => [] },
  usage: {
    query: async (_accountId, q) => {
      planUsage(METER, q);
      return { from: q.from, to: q.to, timeZone: q.timeZone, rows: [] };
    },
    queryMetrics: unused,
    queryTotals: unused,
  },
};

/** A vendor whose range is `start`/`end` and whose bodies are `{problem: ...}`. */
const DEMO_ERRORS: VendorErrors = {
  body: ({ status, message, lines }) => ({ problem: { status, message, lines } }),
  paramNames: { from: 'start', to: 'end' },
};
const params = z.object({
  start: z.string().regex(/^\d+$/, 'must be epoch milliseconds').transform(Number),
  end: z.string().regex(/^\d+$/, 'must be epoch milliseconds').transform(Number),
});

function server() {
  const { app, get } = compatKit(deps, {
    profile: 'demo',
    rawKey: authorizationBearer,
    errors: DEMO_ERRORS,
  });
  get('/usage', async (c) => {
    const q = parseQuery(c, params);
    const { accountId } = verifiedKey(c);
    const result = await deps.usage.query(
      accountId,
      usageQuery({ meterSlug: 'minutes', from: q.start, to: q.end }),
    );
    return c.json({ accountId, from: result.from });
  });
  get('/busy', () => {
    throw new RateLimitedError('slow down', 7);
  });
  get('/down', () => {
    throw new UnavailableError('store restarting');
  });
  get('/bug', () => {
    throw new TypeError('undefined is not a function');
  });
  get('/public', (c) => c.json({ account: c.get('key')?.accountId ?? null }), {
    kinds: ['secret', 'publishable'],
    optional: true,
  });
  const root = new Hono();
  // The server's own handler answers what a profile rethrows.
  root.onError((err, c) => c.json({ server: err.message }, 500));
  root.route('/demo', app);
  return root;
}

const app = server();
const get = (path: string, key?: string) =>
  app.request(`/demo${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

describe('the compat kit', () => {
  it('lets a valid secret key through and keeps it in the context', async () => {
    const res = await get('/usage?start=1000&end=2000', 'sk-acme');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accountId: 'acme', from: 1000 });
  });

  it('answers a missing or unknown key with 401 in the vendor body', async () => {
    for (const key of [undefined, 'sk-nope']) {
      const res = await get('/usage?start=1000&end=2000', key);
      expect(res.status, String(key)).toBe(401);
      const body = (await res.json()) as { problem: { status: number; message: string } };
      expect(body.problem.status).toBe(401);
      expect(body.problem.message).toMatch(/API key/);
    }
  });

  it('answers a key of the wrong kind, account or binding with 403 in the vendor body', async () => {
    for (const key of ['pk-acme', 'sk-other', 'sk-legacy']) {
      const res = await get('/usage?start=1000&end=2000', key);
      expect(res.status, key).toBe(403);
      expect(((await res.json()) as { problem: { status: number } }).problem.status).toBe(403);
    }
  });

  it('answers a query string that fails its schema with 400 and the issue under its name', async () => {
    const res = await get('/usage?start=yesterday&end=2000', 'sk-acme');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      problem: {
        status: 400,
        message: 'start: must be epoch milliseconds',
        lines: ['start: must be epoch milliseconds'],
      },
    });
  });

  it("renders the planner's inverted-range error under the vendor's parameter names", async () => {
    const res = await get('/usage?start=2000&end=1000', 'sk-acme');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problem: { message: string } };
    expect(body.problem.message).toBe('start must be before end');
  });

  it('answers rate limiting with 429 and the error’s Retry-After, unavailability with 503', async () => {
    const busy = await get('/busy', 'sk-acme');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('7');
    expect(await busy.json()).toMatchObject({ problem: { status: 429, message: 'slow down' } });
    const down = await get('/down', 'sk-acme');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
  });

  it('rethrows an error that is not a domain error to the server (500)', async () => {
    const res = await get('/bug', 'sk-acme');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ server: 'undefined is not a function' });
  });

  it('an optional key: anonymous calls pass, a sent key must still be valid', async () => {
    expect(await (await get('/public')).json()).toEqual({ account: null });
    expect(await (await get('/public', 'pk-acme')).json()).toEqual({ account: 'acme' });
    expect((await get('/public', 'pk-nope')).status).toBe(401);
  });
});
