// Per-event isolation in ingest, as a property over HTTP: batches that mix good events with hostile
// ones (deep nesting, huge strings, prototype keys, lone surrogates, numbers beyond the double
// range, unusable meter values, arbitrary JSON) never answer 5xx; every good event is stored and
// counted exactly once (checked through the query API against sums computed here from what was
// sent); every bad one is rejected alone and reported by its index.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonInit,
  startTestServer,
  type TestAccount,
  type TestServer,
} from '../support/test-server.js';

const TYPE = 'fz';
const T0 = '2024-04-01T12:00:00.000Z';
const RANGE = 'from=2024-04-01T00:00:00Z&to=2024-04-02T00:00:00Z';

let server: TestServer;
let account: TestAccount;
let run = 0;
let ids = 0;

beforeAll(async () => {
  server = await startTestServer();
  account = await server.createAccount('fuzz');
  for (const meter of [
    { slug: 'fz_sum', eventType: TYPE, aggregation: 'SUM', valueProperty: '$.n' },
    { slug: 'fz_count', eventType: TYPE, aggregation: 'COUNT' },
  ]) {
    const res = await server.request('/api/v1/meters', jsonInit(account.secretKey, 'POST', meter));
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await server.stop();
});

/**
 * One entry of a batch: the exact text sent, and what must become of it.
 * - good: stored and counted with value n;
 * - uncounted: stored (the COUNT meter sees it) but the SUM meter reports `reason` and counts 0;
 * - bad: rejected, reported by index;
 * - again: a copy of an earlier good entry of the batch, reported as a duplicate.
 */
type Entry =
  | { kind: 'good'; text: string; n: number }
  | { kind: 'uncounted'; text: string; reason: string }
  | { kind: 'bad'; text: string; mentions: RegExp }
  | { kind: 'again'; of: number };

interface Ctx {
  subject: string;
}

const LONE = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');

function base(ctx: Ctx, extra: Record<string, unknown> = {}) {
  ids += 1;
  return {
    id: `fz-${process.pid}-${ids}`,
    source: 'fuzz',
    specversion: '1.0',
    type: TYPE,
    subject: ctx.subject,
    time: T0,
    ...extra,
  };
}

/** An event whose `data` member is the given raw JSON text (which JSON.stringify may not build). */
function withRawData(ctx: Ctx, dataText: string): string {
  const head = JSON.stringify(base(ctx));
  return `${head.slice(0, -1)},"data":${dataText}}`;
}

const nested = (depth: number, inner: string) =>
  `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

// Each generator takes the run's context and yields one entry.
type Gen = fc.Arbitrary<(ctx: Ctx) => Entry>;

const value = fc.integer({ min: -1000, max: 1000 });

const good: Gen = value.map((n) => (ctx) => ({
  kind: 'good',
  n,
  text: JSON.stringify({ ...base(ctx), data: { n } }),
}));

// Allowed depth: `data` is level 1, the innermost object level `depth` <= 64.
const deepAllowed: Gen = fc
  .tuple(value, fc.integer({ min: 1, max: 63 }))
  .map(([n, d]) => (ctx) => ({
    kind: 'good',
    n,
    text: withRawData(ctx, `{"n":${n},"x":${nested(d, '1')}}`),
  }));

const tooDeep: Gen = fc.integer({ min: 64, max: 10_000 }).map((d) => (ctx) => ({
  kind: 'bad',
  mentions: /nested more than 64 levels/,
  text: withRawData(ctx, `{"n":1,"x":${nested(d, '1')}}`),
}));

// Unknown top-level members are not part of the stored event, however deep.
const deepExtension: Gen = fc
  .tuple(value, fc.integer({ min: 100, max: 10_000 }))
  .map(([n, d]) => (ctx) => {
    const head = JSON.stringify({ ...base(ctx), data: { n } });
    return { kind: 'good', n, text: `${head.slice(0, -1)},"ext":${nested(d, 'null')}}` };
  });

const hugeString: Gen = fc
  .tuple(value, fc.integer({ min: 10_000, max: 400_000 }))
  .map(([n, len]) => (ctx) => ({
    kind: 'good',
    n,
    text: JSON.stringify({ ...base(ctx), data: { n, s: 'x'.repeat(len) } }),
  }));

// Prototype keys, at the top and in data: stored as plain keys, never counted as the value.
const protoKeys: Gen = fc.tuple(value, value).map(([n, decoy]) => (ctx) => {
  const head = JSON.stringify(base(ctx));
  const data = `{"__proto__":{"n":${decoy}},"constructor":{"prototype":{"n":${decoy}}},"toString":1,"n":${n}}`;
  return {
    kind: 'good',
    n,
    text: `${head.slice(0, -1)},"__proto__":{"subject":"evil"},"constructor":1,"data":${data}}`,
  };
});

// A value reachable only through the prototype chain is missing, not the decoy.
const protoOnly: Gen = value.map((decoy) => (ctx) => ({
  kind: 'uncounted',
  reason: 'missing',
  text: withRawData(ctx, `{"__proto__":{"n":${decoy}}}`),
}));

const loneInIdentity: Gen = fc
  .tuple(fc.constantFrom('id', 'source', 'subject'), LONE)
  .map(([field, lone]) => (ctx) => {
    const e = base(ctx) as Record<string, unknown>;
    e[field] = `${String(e[field])}${lone}`;
    return {
      kind: 'bad',
      mentions: new RegExp(`${field}: .*lone surrogate`),
      text: JSON.stringify({ ...e, data: { n: 1 } }),
    };
  });

const loneInData: Gen = fc.tuple(value, LONE).map(([n, lone]) => (ctx) => ({
  kind: 'good',
  n,
  text: JSON.stringify({ ...base(ctx), data: { n, note: `a${lone}b`, [`k${lone}`]: 1 } }),
}));

const beyondDouble: Gen = fc.constantFrom('1e400', '-1e400', '1E999').map((num) => (ctx) => ({
  kind: 'bad',
  mentions: /data\.x: a number outside the double range/,
  text: withRawData(ctx, `{"n":1,"x":${num}}`),
}));

const unusable: Gen = fc
  .constantFrom(
    ['"lots"', 'not_a_number'],
    ['true', 'not_a_number'],
    ['{"v":1}', 'not_a_number'],
    ['[1]', 'not_a_number'],
    ['"0x10"', 'not_a_number'],
    ['"1e400"', 'non_finite'],
    ['null', 'missing'],
    ['1e16', 'too_large'],
    ['"-1e300"', 'too_large'],
  )
  .map(([raw, reason]) => (ctx) => ({
    kind: 'uncounted',
    reason,
    text: withRawData(ctx, `{"n":${raw}}`),
  }));

const numericString: Gen = value.map((n) => (ctx) => ({
  kind: 'good',
  n,
  text: JSON.stringify({ ...base(ctx), data: { n: ` ${n}.0 ` } }),
}));

// Arbitrary JSON inside data (never a problem), and arbitrary JSON as the whole event (never an
// event: objects lose `subject`).
const anyInData: Gen = fc.tuple(value, fc.jsonValue()).map(([n, extra]) => (ctx) => ({
  kind: 'good',
  n,
  text: JSON.stringify({ ...base(ctx), data: { n, extra } }),
}));

const anyAsEvent: Gen = fc.jsonValue().map((v) => () => {
  const out =
    v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, subject: undefined } : v;
  return { kind: 'bad', mentions: /./, text: JSON.stringify(out) ?? 'null' };
});

const entryGen: Gen = fc.oneof(
  { arbitrary: good, weight: 4 },
  deepAllowed,
  tooDeep,
  deepExtension,
  hugeString,
  protoKeys,
  protoOnly,
  loneInIdentity,
  loneInData,
  beyondDouble,
  unusable,
  numericString,
  anyInData,
  anyAsEvent,
);

const batchGen = fc.record({
  makers: fc.array(entryGen, { minLength: 1, maxLength: 12 }),
  // Positions (taken modulo the batch) of good entries to send a second time.
  repeats: fc.array(fc.nat(), { maxLength: 2 }),
  ndjson: fc.boolean(),
});

interface Summary {
  accepted: number;
  duplicates: number;
  rejected: { index: number; id: string | null; reason: string }[];
  problems?: { index: number; id: string; meter: string; reason: string }[];
}

async function total(meter: string, subject: string): Promise<number> {
  const res = await server.request(
    `/api/v1/meters/${meter}/query?${RANGE}&subject=${encodeURIComponent(subject)}`,
    { key: account.secretKey },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { value: number }[] };
  return body.data.reduce((s, r) => s + r.value, 0);
}

describe('one bad event never poisons its batch', () => {
  it('an event nested 10,000 deep is rejected alone; the good events beside it are stored', async () => {
    const ctx = { subject: 'deep-10000' };
    const [a, b] = [
      JSON.stringify({ ...base(ctx), data: { n: 3 } }),
      JSON.stringify({ ...base(ctx), data: { n: 4 } }),
    ];
    const deep = withRawData(ctx, nested(10_000, '1'));
    const res = await server.request('/api/v1/events', {
      key: account.secretKey,
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: `[${a},${deep},${b}]`,
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { extensions: Summary };
    expect(problem.extensions.accepted).toBe(2);
    expect(problem.extensions.rejected.map((r) => r.index)).toEqual([1]);
    expect(problem.extensions.rejected[0]?.reason).toMatch(/nested more than 64 levels/);
    expect(await total('fz_sum', ctx.subject)).toBe(7);
  });

  it('property: mixed batches never 5xx, good events count exactly once, bad ones are reported by index', async () => {
    await fc.assert(
      fc.asyncProperty(batchGen, async ({ makers, repeats, ndjson }) => {
        run += 1;
        const ctx = { subject: `run-${process.pid}-${run}` };
        const entries: Entry[] = makers.map((make) => make(ctx));
        const goods = entries.flatMap((e, i) => (e.kind === 'good' ? [i] : []));
        for (const r of repeats) {
          if (goods.length > 0)
            entries.push({ kind: 'again', of: goods[r % goods.length] as number });
        }
        const texts = entries.map((e) => (e.kind === 'again' ? textOf(entries[e.of]) : e.text));
        const res = await server.request('/api/v1/events', {
          key: account.secretKey,
          method: 'POST',
          headers: {
            'content-type': ndjson ? 'application/x-ndjson' : 'application/cloudevents-batch+json',
            prefer: 'return=representation',
          },
          body: ndjson ? texts.join('\n') : `[${texts.join(',')}]`,
        });
        const body = await res.text();
        expect(res.status, body.slice(0, 500)).toBeLessThan(500);

        const bad = entries.flatMap((e, i) => (e.kind === 'bad' ? [i] : []));
        const stored = entries.filter((e) => e.kind === 'good' || e.kind === 'uncounted');
        const again = entries.filter((e) => e.kind === 'again').length;
        const uncounted = entries.flatMap((e, i) =>
          e.kind === 'uncounted' ? [{ index: i, reason: e.reason }] : [],
        );
        const summary: Summary =
          res.status === 400
            ? (JSON.parse(body) as { extensions: Summary }).extensions
            : JSON.parse(body);
        expect(res.status).toBe(bad.length > 0 ? 400 : 200);
        expect(summary.rejected.map((r) => r.index)).toEqual(bad);
        for (const r of summary.rejected) {
          const e = entries[r.index];
          if (e?.kind === 'bad') expect(r.reason).toMatch(e.mentions);
        }
        expect(summary.accepted).toBe(stored.length);
        expect(summary.duplicates).toBe(again);
        expect((summary.problems ?? []).map((p) => ({ index: p.index, reason: p.reason }))).toEqual(
          uncounted,
        );
        expect(res.headers.get('tally-value-problems')).toBe(
          uncounted.length > 0 ? String(uncounted.length) : null,
        );

        const expectedSum = entries.reduce((s, e) => s + (e.kind === 'good' ? e.n : 0), 0);
        expect(await total('fz_sum', ctx.subject)).toBe(expectedSum);
        expect(await total('fz_count', ctx.subject)).toBe(stored.length);
      }),
      { numRuns: 40 },
    );
  });
});

function textOf(e: Entry | undefined): string {
  if (!e || e.kind === 'again') throw new Error('a repeat points at a repeat');
  return e.text;
}
