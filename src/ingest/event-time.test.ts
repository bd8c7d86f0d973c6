import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timePattern } from './event-arbitraries.js';
import { parseEventTime } from './event-time.js';

function same(s: string): void {
  expect(Object.is(parseEventTime(s), Date.parse(s)), s).toBe(true);
}

describe('parseEventTime', () => {
  it('property: Date.parse for every time the schema accepts', () => {
    fc.assert(fc.property(fc.stringMatching(timePattern), same), { numRuns: 5000 });
  });

  it('property: Date.parse for near misses and any string', () => {
    const iso = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
    const mutated = fc
      .tuple(iso, fc.nat(30), fc.string({ unit: 'binary-ascii', maxLength: 2 }))
      .map(([s, at, insert]) => s.slice(0, at) + insert + s.slice(at + insert.length));
    fc.assert(fc.property(fc.oneof(iso, mutated, fc.string()), same), { numRuns: 5000 });
  });

  it('examples: calendar edges, fractions, offsets', () => {
    for (const s of [
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999Z',
      '0000-01-01T00:00:00Z',
      '0000-02-29T00:00:00-23:59',
      '9999-12-31T23:59:59.9999999+00:00',
      '2025-04-31T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T00:00:60Z',
      '2025-01-01T00:00:00.1Z',
      '2025-01-01T00:00:00.12Z',
      '2025-01-01T00:00:00.Z',
      '2025-01-01T00:00:00+24:00',
      '2025-01-01T00:00:00+05:60',
      '2025-01-01T00:00:00-00:00',
      '2025-01-01t00:00:00z',
      '2025-01-01T00:00Z',
      '+012025-01-01T00:00:00Z',
    ]) {
      same(s);
    }
  });
});
