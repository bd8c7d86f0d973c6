// No demo event is dated after the instant the demo is seeded: an event from the future would
// count in windows that have not happened yet (the Livepeer transcodes were ~19 h ahead). Checked
// for the native generator and every compat profile's, at seeding instants all over the day.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compatProfiles } from '../api/compat/index.js';
import type { CloudEventInput, DemoOptions } from '../api/compat/profile.js';
import { nativeDemoEvents } from './native-events.js';

type Generate = (opts: DemoOptions) => Iterable<CloudEventInput>;

const generators: [name: string, generate: Generate][] = [
  ['native', ({ now, days, seed }) => nativeDemoEvents(now, days, seed)],
  ...compatProfiles.map((p): [string, Generate] => [p.name, (opts) => p.demoEvents(opts)]),
];

const seeding = fc.record({
  now: fc.integer({
    min: Date.parse('2020-01-01T00:00:00Z'),
    max: Date.parse('2030-01-01T00:00:00Z'),
  }),
  days: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('demo events are never later than the seeding instant', () => {
  it('covers every profile', () => {
    expect(generators.map(([name]) => name).sort()).toEqual(
      ['native', ...compatProfiles.map((p) => p.name)].sort(),
    );
    expect(compatProfiles.length).toBeGreaterThanOrEqual(5);
  });

  for (const [name, generate] of generators) {
    it(`${name}: every event time <= now`, () => {
      fc.assert(
        fc.property(seeding, ({ now, days, seed }) => {
          let count = 0;
          for (const e of generate({ now, days, seed })) {
            count++;
            const t = Date.parse(e.time);
            if (!(t <= now)) {
              throw new Error(
                `${e.type} ${e.id} at ${e.time} is after ${new Date(now).toISOString()}`,
              );
            }
          }
          expect(count).toBeGreaterThan(0);
        }),
        { numRuns: 50 },
      );
    });
  }
});
