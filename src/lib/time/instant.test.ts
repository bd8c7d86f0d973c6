import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_INSTANT, MIN_INSTANT, parseInstantText } from './instant.js';

const NOW = Date.UTC(2024, 5, 15, 12);

describe('parseInstantText', () => {
  it('reads RFC 3339, plain dates, epoch ms and instants relative to now', () => {
    expect(parseInstantText('2024-01-31T10:00:00Z', NOW)).toBe(Date.UTC(2024, 0, 31, 10));
    expect(parseInstantText('2024-01-31T10:00:00.5+01:00', NOW)).toBe(
      Date.UTC(2024, 0, 31, 9, 0, 0, 500),
    );
    expect(parseInstantText('2024-01-31', NOW)).toBe(Date.UTC(2024, 0, 31));
    expect(parseInstantText('0000-01-01T00:00:00Z', NOW)).toBe(MIN_INSTANT);
    expect(parseInstantText('1700000000000', NOW)).toBe(1_700_000_000_000);
    expect(parseInstantText('now', NOW)).toBe(NOW);
    expect(parseInstantText('-PT1M', NOW)).toBe(NOW - 60_000);
    expect(parseInstantText('-P30D', NOW)).toBe(NOW - 30 * 86_400_000);
  });

  it('refuses garbage, rolled-over dates, local times and instants no Date can print', () => {
    for (const s of [
      'garbage',
      'last tuesday',
      '',
      '2024-02-30',
      '2024-01-31T24:00:00Z',
      '2024-01-31T10:00:00',
      '9999999999999999',
      '-P99999999999999D',
      '-P',
      '+275760-09-13T00:00:00Z',
      'March 7, 2024',
    ]) {
      expect(parseInstantText(s, NOW), s).toBeUndefined();
    }
  });

  it('never throws and never answers outside years 0000..9999 (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^-?P?T?\d{0,20}[DWHMS]?$/)), (s) => {
        const ms = parseInstantText(s, NOW);
        if (ms !== undefined) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms >= MIN_INSTANT && ms <= MAX_INSTANT).toBe(true);
          expect(() => new Date(ms).toISOString()).not.toThrow();
        }
      }),
      { numRuns: 2000 },
    );
  });
});
