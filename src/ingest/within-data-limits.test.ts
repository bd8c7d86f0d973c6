import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataProblem, MAX_DATA_DEPTH, withinDataLimits } from './data-limits.js';

const nested = (depth: number, leaf: string) =>
  JSON.parse(`${'{"a":'.repeat(depth - 1)}${leaf}${'}'.repeat(depth - 1)}`);

describe('withinDataLimits', () => {
  it('property: true exactly when dataProblem finds nothing, on JSON values', () => {
    const number = fc.oneof(
      fc.double(),
      fc.constantFrom(0, -0, Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        number,
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor'), tie('v'), {
          maxKeys: 3,
        }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        // Through JSON text, so that "__proto__" is an own key and an infinity is 1e400 as sent.
        const inf = (x: unknown) =>
          x === Number.POSITIVE_INFINITY ? 'INF' : x === Number.NEGATIVE_INFINITY ? '-INF' : x;
        const text = JSON.stringify(v, (_k, x) => inf(x));
        const data = JSON.parse(text.replace(/"-INF"/g, '-1e400').replace(/"INF"/g, '1e400'));
        expect(withinDataLimits(data)).toBe(dataProblem(data) === undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('depth and range edges, and inherited keys not counted', () => {
    for (const data of [
      nested(MAX_DATA_DEPTH, '{}'),
      nested(MAX_DATA_DEPTH + 1, '{}'),
      nested(MAX_DATA_DEPTH, '[1e400]'),
      nested(100_000, '1'),
      JSON.parse('{"__proto__":{"n":1e400}}'),
      JSON.parse('{"a":[1,-1e400]}'),
      Object.create({ n: Number.POSITIVE_INFINITY }),
      { n: Number.NaN },
      null,
    ]) {
      expect(withinDataLimits(data)).toBe(dataProblem(data) === undefined);
    }
  });
});
