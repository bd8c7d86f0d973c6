// Conformance: the official `opperai` client (analytics.getUsage with every argument) against a
// live Tally, with sums computed here from the events sent.

import { Opper } from 'opperai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPPER_EVENT_TYPE } from '../../src/api/compat/opper/event-shape.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const D0 = Date.UTC(2024, 2, 1);
const HOUR = 3_600_000;

const CALLS = [
  { at: D0 + 1 * HOUR, model: 'm-a', project: 'p1', cost: 0.1, prompt: 100, completion: 10 },
  { at: D0 + 2 * HOUR, model: 'm-a', project: 'p2', cost: 0.2, prompt: 200, completion: 20 },
  { at: D0 + 26 * HOUR, model: 'm-b', project: 'p1', cost: 0.000123, prompt: 50, completion: 5 },
  { at: D0 + 27 * HOUR, model: 'm-a', project: 'p1', cost: 1.5, prompt: 1000, completion: 300 },
];

// Custom metadata and tags no meter was created for: summed and grouped straight from the events.
const D1 = Date.UTC(2024, 5, 1);
const CUSTOM = [
  { at: D1 + HOUR, subject: 'c-1', tier: 'gold', team: 't1', cached: 7, cost: 0.5 },
  { at: D1 + 2 * HOUR, subject: 'c-1', tier: 'gold', team: 't2', cached: 11, cost: 0.25 },
  { at: D1 + 3 * HOUR, subject: 'c-2', tier: 'silver', team: 't1', cached: 13, cost: 1 },
  { at: D1 + 26 * HOUR, subject: 'c-2', tier: 'gold', team: 't1', cached: 17, cost: 2 },
  // A numeric string counts as ingest counts it; a missing field counts nothing.
  { at: D1 + 27 * HOUR, subject: 'c-1', tier: 'silver', team: 't2', cached: '19', cost: 4 },
  { at: D1 + 28 * HOUR, subject: 'c-1', tier: undefined, team: 't2', cached: undefined, cost: 8 },
] as const;

let tally: Tally;
let opper: Opper;
process.on('unhandledRejection', () => undefined);

beforeAll(async () => {
  tally = await startTally(['opper']);
  opper = new Opper({ httpBearer: tally.secretKey, serverURL: `${tally.origin}/compat/opper/v2` });
  await tally.send(
    CALLS.map((c) =>
      cloudEvent(OPPER_EVENT_TYPE, 'customer-1', c.at, {
        event_metadata: {
          cost: c.cost,
          prompt_tokens: c.prompt,
          completion_tokens: c.completion,
          total_tokens: c.prompt + c.completion,
        },
        tags: { model: c.model, project: { name: c.project } },
      }),
    ),
  );
  await tally.send(
    CUSTOM.map((c) =>
      cloudEvent(OPPER_EVENT_TYPE, c.subject, c.at, {
        event_metadata: {
          cost: c.cost,
          total_tokens: 1,
          ...(c.cached === undefined ? {} : { cached_tokens: c.cached }),
        },
        tags: { model: 'm', ...(c.tier ? { customer_tier: c.tier } : {}), org: { team: c.team } },
      }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

const sumCost = (xs: typeof CALLS) => xs.reduce((s, c) => s + Math.round(c.cost * 1e6), 0) / 1e6;

describe('opperai analytics.getUsage against Tally', () => {
  it('every argument: dates, granularity, fields and dotted group_by', async () => {
    const rows = await opper.analytics.getUsage(
      new Date(D0),
      new Date(D0 + 2 * 24 * HOUR),
      'day',
      ['prompt_tokens', 'total_tokens'],
      ['model', 'project.name'],
    );
    const expected = new Map<string, { cost: number; prompt: number; total: number }>();
    for (const c of CALLS) {
      const day = Math.floor(c.at / (24 * HOUR)) * 24 * HOUR;
      const k = JSON.stringify([day, c.model, c.project]);
      const e = expected.get(k) ?? { cost: 0, prompt: 0, total: 0 };
      e.cost = (Math.round(e.cost * 1e6) + Math.round(c.cost * 1e6)) / 1e6;
      e.prompt += c.prompt;
      e.total += c.prompt + c.completion;
      expected.set(k, e);
    }
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) {
      const extra = r.additionalProperties ?? {};
      const e = expected.get(
        JSON.stringify([r.timeBucket.getTime(), extra.model, extra['project.name']]),
      );
      expect(e).toBeDefined();
      expect(r.cost).toBe(String(e?.cost));
      expect(extra.prompt_tokens).toBe(e?.prompt);
      expect(extra.total_tokens).toBe(e?.total);
    }
  });

  it('no granularity gives one bucket at from_date; cost is an exact decimal string', async () => {
    const rows = await opper.analytics.getUsage(new Date(D0), new Date(D0 + 48 * HOUR));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.timeBucket.getTime()).toBe(D0);
    expect(rows[0]?.cost).toBe(String(sumCost(CALLS)));
    const hourly = await opper.analytics.getUsage(new Date(D0), new Date(D0 + 48 * HOUR), 'hour', [
      'completion_tokens',
    ]);
    expect(hourly).toHaveLength(CALLS.length);
    for (const g of ['minute', 'month', 'year'] as const) {
      const r = await opper.analytics.getUsage(new Date(D0), new Date(D0 + 48 * HOUR), g);
      expect(r.reduce((s, x) => s + Number(x.cost), 0)).toBeCloseTo(sumCost(CALLS), 9);
    }
  });

  it('defaults to the current month (no events there)', async () => {
    expect(await opper.analytics.getUsage()).toEqual([]);
  });

  it('bad parameters and keys raise the client error classes', async () => {
    const bad = new Opper({ httpBearer: 'nope', serverURL: `${tally.origin}/compat/opper/v2` });
    await expect(bad.analytics.getUsage()).rejects.toMatchObject({
      name: 'UnauthorizedError',
      statusCode: 401,
    });
    await expect(opper.analytics.getUsage(new Date(D0 + HOUR), new Date(D0))).rejects.toMatchObject(
      { name: 'BadRequestError', statusCode: 400 },
    );
    await expect(
      opper.analytics.getUsage(undefined, undefined, undefined, undefined, ['no pe']),
    ).rejects.toMatchObject({ name: 'BadRequestError' });
    const res = await fetch(`${tally.origin}/compat/opper/v2/analytics/usage?from_date=soon`, {
      headers: { authorization: `Bearer ${tally.secretKey}` },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      type: 'RequestValidationError',
      detail: [{ loc: ['query', 'from_date'] }],
    });
  });

  it('any metadata field and any (nested) tag, with no meter created', async () => {
    const rows = await opper.analytics.getUsage(
      new Date(D1),
      new Date(D1 + 2 * 24 * HOUR),
      'day',
      ['cached_tokens'],
      ['customer_tier', 'org.team'],
    );
    const expected = new Map<string, { cost: number; cached: number }>();
    for (const c of CUSTOM) {
      const day = Math.floor(c.at / (24 * HOUR)) * 24 * HOUR;
      const k = JSON.stringify([day, c.tier ?? null, c.team]);
      const e = expected.get(k) ?? { cost: 0, cached: 0 };
      e.cost += c.cost;
      e.cached += c.cached === undefined ? 0 : Number(c.cached);
      expected.set(k, e);
    }
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) {
      const extra = r.additionalProperties ?? {};
      const e = expected.get(
        JSON.stringify([r.timeBucket.getTime(), extra.customer_tier, extra['org.team']]),
      );
      expect(e, JSON.stringify(r)).toBeDefined();
      expect(Number(r.cost)).toBe(e?.cost);
      expect(extra.cached_tokens).toBe(e?.cached);
    }
  });

  it('a custom field beside preset ones, grouped by a preset tag', async () => {
    const rows = await opper.analytics.getUsage(
      new Date(D1),
      new Date(D1 + 2 * 24 * HOUR),
      undefined,
      ['cached_tokens', 'total_tokens'],
      ['model'],
    );
    expect(rows).toHaveLength(1);
    const extra = rows[0]?.additionalProperties ?? {};
    expect(extra.model).toBe('m');
    expect(extra.total_tokens).toBe(CUSTOM.length);
    expect(extra.cached_tokens).toBe(
      CUSTOM.reduce((s, c) => s + (c.cached === undefined ? 0 : Number(c.cached)), 0),
    );
    expect(Number(rows[0]?.cost)).toBe(CUSTOM.reduce((s, c) => s + c.cost, 0));
  });

  it('invalid field and tag names are a 400 with the error body', async () => {
    for (const qs of [
      'fields=cached%20tokens',
      "fields=a'b",
      'group_by=org..team',
      'group_by=tags%5B0%5D',
      'fields=.x',
      'group_by=time_bucket',
      'fields=123',
    ]) {
      const res = await fetch(`${tally.origin}/compat/opper/v2/analytics/usage?${qs}`, {
        headers: { authorization: `Bearer ${tally.secretKey}` },
      });
      expect(res.status, qs).toBe(400);
      expect(await res.json()).toMatchObject({
        type: 'BadRequestError',
        message: expect.any(String),
      });
    }
  });
});
