// Arbitrary CloudEvents for property tests: valid ones, and near misses of a valid one (a field
// of the wrong type, missing, too long in units or in code points, with a lone surrogate, a time
// that is nearly RFC 3339, data that is not a plain object, an own "__proto__" key, extra keys).
import fc from 'fast-check';
import { CloudEventSchema } from '../contract/event.js';

/** An object with exactly these own properties, "__proto__" included as a plain key. */
export function own(entries: [string, unknown][], proto: object | null = Object.prototype): object {
  const o = Object.create(proto) as object;
  for (const [k, value] of entries) {
    Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const notText = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant([]),
  fc.constant({}),
  fc.constant(['a']),
);
export const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constant(''),
  // Around the 256 limit, in UTF-16 units and in code points (zod counts code points).
  fc.integer({ min: 250, max: 262 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 120, max: 262 }).map((n) => '\u{1F600}'.repeat(n)),
  fc.integer({ min: 250, max: 262 }).map((n) => `${'x'.repeat(n - 1)}\u{1F600}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  fc.string({ unit: fc.oneof(loneSurrogate, fc.constant('a')), minLength: 1, maxLength: 6 }),
  fc.constantFrom('x'.repeat(100_000), '\uD800', 'a\uDC00b', '\uD83D\uDE00', ' ', '__proto__'),
  notText,
);

export const timePattern = (
  CloudEventSchema.shape.time.unwrap().unwrap() as unknown as {
    _zod: { def: { pattern: RegExp } };
  }
)._zod.def.pattern;
export const time = fc.oneof(
  fc.stringMatching(timePattern),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(fc.date({ noInvalidDate: true }), fc.constantFrom('', 'Z', '+05:30', '-24:00', 'z', ' '))
    .map(([d, tail]) => d.toISOString().slice(0, 19) + tail),
  fc.constantFrom(
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T00:00:60Z',
    '2025-01-01T00:00Z',
    '2025-01-01T00:00:00.Z',
    '2025-01-01T00:00:00.123456789+23:59',
    '2025-01-01',
    '2025-01-01T00:00:00',
  ),
  fc.string(),
  notText,
);

export const data = fc.oneof(
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, undefined, [], [1], 'x', 0),
  fc.jsonValue({ maxDepth: 1 }).map((v) =>
    own([
      ['__proto__', v],
      ['m', 1],
    ]),
  ),
  fc.dictionary(fc.string(), fc.integer()).map((d) => own(Object.entries(d), null)),
  fc.boolean().map((enumerable) => {
    const o = { a: 1 };
    Object.defineProperty(o, Symbol('s'), { value: 1, enumerable });
    return o;
  }),
  fc.constantFrom(new Date(0), new Map(), /x/, new (class Usage {})(), Object.create({ a: 1 })),
  fc.anything({ maxDepth: 1 }),
);

/** Mostly valid events, so that the accepting side is exercised as much as the refusing one. */
export const good = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 40 }),
    source: fc.string({ minLength: 1, maxLength: 10 }),
    specversion: fc.constant('1.0'),
    type: fc.string({ minLength: 1, maxLength: 10 }),
    subject: fc.string({ minLength: 1, maxLength: 10 }),
    time: fc.oneof(fc.stringMatching(timePattern), fc.constant(null)),
    datacontenttype: fc.constantFrom('application/json', null),
    dataschema: fc.option(fc.string()),
    data: fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }))),
  },
  { requiredKeys: ['id', 'source', 'type', 'subject'] },
);

const ABSENT = Symbol('absent');
const nearMisses: Record<string, fc.Arbitrary<unknown>> = {
  id: text,
  source: text,
  type: text,
  subject: text,
  specversion: fc.oneof(fc.constantFrom('1.0', '1.0 ', '1', '1.00', '0.3', 1), notText),
  time,
  datacontenttype: fc.oneof(fc.constantFrom('application/json', 'text/plain', ''), notText),
  dataschema: fc.oneof(fc.string(), notText),
  data,
};
/** One field set to a near miss (or a good value), or taken away. */
const change = fc.oneof(
  ...Object.entries(nearMisses).map(([key, arb]) =>
    fc.tuple(fc.constant(key), fc.option(arb, { nil: ABSENT, freq: 4 })),
  ),
);

/** A valid event with up to two fields changed, extra keys, maybe an own "__proto__" key. */
export const event = fc
  .record({
    base: good,
    changes: fc.array(change, { maxLength: 2 }),
    extra: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    protoKey: fc.boolean(),
    nullPrototype: fc.boolean(),
  })
  .map(({ base, changes, extra, protoKey, nullPrototype }) => {
    const fields = new Map<string, unknown>(Object.entries(base));
    for (const [key, value] of changes) {
      if (value === ABSENT) fields.delete(key);
      else fields.set(key, value);
    }
    const entries: [string, unknown][] = [...Object.entries(extra), ...fields];
    if (protoKey) entries.push(['__proto__', { id: 'inherited?' }]);
    return own(entries, nullPrototype ? null : Object.prototype);
  });

/** The value as JSON.parse hands it over, or undefined when it has no JSON form. */
export function viaJson(v: unknown): unknown {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
