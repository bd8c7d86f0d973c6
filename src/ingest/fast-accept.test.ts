// The fast path must be zod, faster: over arbitrary values and near misses of a valid event it
// accepts exactly what zod accepts and answers what zod answers (the one documented difference:
// `data` is the object sent, where zod answers a copy without an own "__proto__" key).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CloudEventSchema } from '../contract/event.js';
import { event, good, viaJson } from './event-arbitraries.js';
import { compileAcceptor } from './fast-accept.js';

const accept = compileAcceptor(CloudEventSchema);

function agree(value: unknown, fromJson: boolean): void {
  if (!accept) throw new Error('the CloudEvent schema no longer compiles to a fast path');
  const fast = accept(value, fromJson);
  const zod = CloudEventSchema.safeParse(value);
  expect(fast !== undefined, 'fast path and zod accept the same values').toBe(zod.success);
  if (fast === undefined || !zod.success) return;
  const { data, ...head } = fast;
  const { data: zodData, ...zodHead } = zod.data;
  expect(head).toStrictEqual(zodHead);
  expect(Object.keys(fast)).toEqual(Object.keys(zod.data));
  expect(data).toBe((value as { data?: unknown }).data);
  expect(data === undefined || data === null ? data : copyAsZod(data)).toStrictEqual(zodData);
}

/** What zod's record makes of an accepted object: its enumerable own keys but "__proto__". */
function copyAsZod(data: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([k]) => k !== '__proto__'));
}

describe('compileAcceptor(CloudEventSchema)', () => {
  it('compiles the CloudEvent schema (else ingest silently runs zod alone)', () => {
    expect(accept).toBeTypeOf('function');
  });

  it('property: agrees with zod on near misses of an event', () => {
    fc.assert(
      fc.property(event, (v) => agree(v, false)),
      { numRuns: 3000 },
    );
  });

  it('property: agrees with zod on mostly valid events', () => {
    fc.assert(
      fc.property(good, (v) => agree(v, false)),
      { numRuns: 1000 },
    );
  });

  it('property: agrees with zod on anything at all', () => {
    fc.assert(fc.property(fc.anything(), (v) => agree(v, false)));
  });

  it('property: agrees with zod on JSON values, trusting them to be plain', () => {
    fc.assert(
      fc.property(fc.oneof(event, good, fc.jsonValue()), (v) => {
        const json = viaJson(v);
        fc.pre(json !== undefined);
        agree(json, true);
        agree(json, false);
      }),
      { numRuns: 3000 },
    );
  });

  it('examples: limits counted as zod counts them, lone surrogates, __proto__, symbols', () => {
    const base = { id: 'a', source: 's', type: 't', subject: 'x' };
    const examples: unknown[] = [
      base,
      { ...base, id: '\u{1F600}'.repeat(256) },
      { ...base, id: '\u{1F600}'.repeat(257) },
      { ...base, id: 'a\uD800' },
      { ...base, specversion: undefined, time: undefined, data: undefined },
      { ...base, time: null, datacontenttype: null, dataschema: null, data: null },
      JSON.parse('{"id":"a","source":"s","type":"t","subject":"x","data":{"__proto__":{"n":1}}}'),
      { ...base, data: { [Symbol('s')]: 1 } },
      Object.assign(Object.create(null), base),
    ];
    for (const v of examples) agree(v, false);
  });
});

describe('compileAcceptor', () => {
  it('gives up on constructs it does not mirror, leaving them to zod', () => {
    expect(compileAcceptor(z.object({ n: z.number() }))).toBeUndefined();
    expect(compileAcceptor(z.object({ s: z.string() }).strict())).toBeUndefined();
    expect(compileAcceptor(z.object({ s: z.string().transform((s) => s.length) }))).toBeUndefined();
    expect(
      compileAcceptor(z.object({ r: z.record(z.string().min(2), z.unknown()) })),
    ).toBeUndefined();
  });

  it('runs refinements and overwrites as zod does', () => {
    const schema = z.object({
      s: z
        .string()
        .trim()
        .refine((s) => s !== 'no'),
      d: z.string().default('x'),
    });
    const accept = compileAcceptor(schema);
    for (const v of [{ s: ' a ' }, { s: ' no ' }, { s: 'ok', d: 'y' }, { s: 1 }, {}]) {
      const zod = schema.safeParse(v);
      expect(accept?.(v, false)).toStrictEqual(zod.success ? zod.data : undefined);
    }
  });
});
