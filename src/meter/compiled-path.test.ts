import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../lib/json-path.js';
import { compilePathAccessor } from './compiled-path.js';

// Keys that reach into prototypes, arrays and strings, and keys that would be code if unquoted.
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'length', '__proto__', 'constructor', 'toString', '0', '1'),
  fc.string({ maxLength: 6 }),
  fc.constantFrom("'); throw 1; ('", '"]; throw 1; ["', '\\', '\u2028', '\u0024{x}', '*/'),
);
const segment = fc.oneof(
  fc
    .string({ minLength: 1, maxLength: 4, unit: fc.constantFrom('a', 'b', '_', '$', '-', '1') })
    .filter((k) => /^[A-Za-z_$]/.test(k))
    .map((k) => `.${k}`),
  fc.nat(3).map((i) => `[${i}]`),
  key.map((k) => `['${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`),
  key.map((k) => `["${k.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`),
);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `$${s.join('')}`);

/** Data that the paths above can walk into, including an own "__proto__" key. */
const data = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })).map((d) => {
    const rest = JSON.stringify(d).slice(1, -1);
    return JSON.parse(`{"__proto__":{"a":[1,{"b":2}]}${rest ? `,${rest}` : ''}}`);
  }),
  fc.anything({ maxDepth: 2 }),
);

describe('compilePathAccessor', () => {
  it('property: reads what compileJsonPath reads, for any path and any value', () => {
    fc.assert(
      fc.property(path, fc.array(data, { minLength: 1, maxLength: 4 }), (p, values) => {
        const reference = compileJsonPath(p);
        const compiled = compilePathAccessor(p);
        for (const v of values) expect(Object.is(compiled(v), reference(v))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what compileJsonPath refuses', () => {
    for (const p of ['a', '$', '$.', '$..a', '$[*]', "$['a]"]) {
      expect(() => compileJsonPath(p)).toThrow();
      expect(() => compilePathAccessor(p)).toThrow();
    }
  });

  it('reads quoted keys as keys, never as code', () => {
    const key = "'); throw new Error('injected'); ('";
    const p = `$["${key}"]`;
    expect(compilePathAccessor(p)({ [key]: 7 })).toBe(7);
  });
});
