// THEO's date parameters as its usage monitoring guide describes them: whole days in the
// `utcOffset` zone (minutes east of UTC), the end date included, date-times in their own zone.

import { describe, expect, it } from 'vitest';
import { offsetZone, parseInstant } from './time-params.js';

const HOUR = 3_600_000;

describe('THEO time parameters', () => {
  it('names a fixed offset in minutes as a zone', () => {
    expect(offsetZone(0)).toBe('+00:00');
    expect(offsetZone(-120)).toBe('-02:00');
    expect(offsetZone(330)).toBe('+05:30');
  });

  it('a start date is midnight in the offset zone; an end date runs to the end of its day', () => {
    expect(parseInstant('2025-01-01', 0, false)).toBe(Date.UTC(2025, 0, 1));
    expect(parseInstant('2025-01-31', 0, true)).toBe(Date.UTC(2025, 1, 1));
    // Midnight at UTC-2 is 02:00 UTC.
    expect(parseInstant('2025-01-01', -120, false)).toBe(Date.UTC(2025, 0, 1) + 2 * HOUR);
  });

  it('a date-time keeps its own zone, else reads in the offset zone', () => {
    expect(parseInstant('2025-01-01T03:00:00Z', -120, false)).toBe(Date.UTC(2025, 0, 1, 3));
    expect(parseInstant('2025-01-01T03:00:00', 60, false)).toBe(Date.UTC(2025, 0, 1, 2));
  });

  it('anything else is not an instant', () => {
    expect(parseInstant('soon', 0, false)).toBeUndefined();
  });
});
