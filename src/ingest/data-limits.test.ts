import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataProblem, MAX_DATA_DEPTH } from './data-limits.js';

const nestedText = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

describe('dataProblem', () => {
  it(`accepts ${MAX_DATA_DEPTH} levels and refuses ${MAX_DATA_DEPTH + 1}, objects and arrays alike`, () => {
    expect(dataProblem(JSON.parse(nestedText(MAX_DATA_DEPTH)))).toBeUndefined();
    expect(dataProblem(JSON.parse(nestedText(MAX_DATA_DEPTH + 1)))).toMatch(
      /nested more than 64 levels deep \(at data(\.a){64}\)/,
    );
    const arrays = (d: number) => JSON.parse(`{"x":${'['.repeat(d - 1)}${']'.repeat(d - 1)}}`);
    expect(dataProblem(arrays(MAX_DATA_DEPTH))).toBeUndefined();
    expect(dataProblem(arrays(MAX_DATA_DEPTH + 1))).toMatch(/nested more than 64/);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(dataProblem(JSON.parse(nestedText(100_000)))).toMatch(/nested more than 64/);
  });

  it('refuses numbers beyond the double range and names where they are', () => {
    expect(dataProblem(JSON.parse('{"a":{"b":[1,1e400]}}'))).toMatch(
      /^data\.a\.b\[1\]: a number outside/,
    );
    expect(dataProblem(JSON.parse('{"a":-1e999}'))).toMatch(/^data\.a: a number outside/);
    expect(
      dataProblem({ n: 1.7e308, s: '1e400', p: JSON.parse('{"__proto__":{"x":1}}') }),
    ).toBeUndefined();
  });

  it('keeps messages short whatever the keys', () => {
    const key = 'k'.repeat(100_000);
    const msg = dataProblem(JSON.parse(`{"${key}":{"${key}":1e400}}`)) ?? '';
    expect(msg.length).toBeLessThan(400);
  });

  it('property: any JSON value up to the depth limit is fine', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (v) => {
        expect(dataProblem({ v })).toBeUndefined();
      }),
    );
  });
});
