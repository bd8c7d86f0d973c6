import type { DateTime } from 'luxon';
import type { WindowSize } from '../contract/vocabulary.js';

/** Fixed width in ms for the sizes that are the same length everywhere in absolute time. */
export const FIXED_WIDTH: Partial<Record<WindowSize, number>> = {
  MINUTE: 60_000,
  FIFTEEN_MINUTES: 900_000,
  HOUR: 3_600_000,
};

/** Nominal length, used to compare sizes and to size rolling spans. */
export const NOMINAL_MS: Record<WindowSize, number> = {
  MINUTE: 60_000,
  FIFTEEN_MINUTES: 900_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
  MONTH: 30 * 86_400_000,
  YEAR: 365 * 86_400_000,
};

/** Longest a window of `size` can be anywhere (a day gains an hour at a DST change). */
export const LONGEST_MS: Record<WindowSize, number> = {
  MINUTE: 60_000,
  FIFTEEN_MINUTES: 900_000,
  HOUR: 3_600_000,
  DAY: 25 * 3_600_000,
  WEEK: 7 * 86_400_000 + 3_600_000,
  MONTH: 31 * 86_400_000 + 3_600_000,
  YEAR: 366 * 86_400_000 + 3_600_000,
};

/** Fewest windows of `size` that can cover [from, to): a bound known before laying them out. */
export function fewestWindows(from: number, to: number, size: WindowSize): number {
  return Math.max(1, Math.floor((to - from) / LONGEST_MS[size]));
}

/** Start of the window of `size` that contains `dt` (in dt's zone; weeks start on Monday). */
export function truncate(dt: DateTime, size: WindowSize): DateTime {
  switch (size) {
    case 'MINUTE':
      return dt.startOf('minute');
    case 'FIFTEEN_MINUTES': {
      const hour = dt.startOf('hour');
      return hour.plus({ minutes: Math.floor(dt.diff(hour, 'minutes').minutes / 15) * 15 });
    }
    case 'HOUR':
      return dt.startOf('hour');
    case 'DAY':
      return dt.startOf('day');
    case 'WEEK':
      return dt.startOf('week');
    case 'MONTH':
      return dt.startOf('month');
    case 'YEAR':
      return dt.startOf('year');
  }
}

/** `dt` moved by `n` windows of `size` (calendar arithmetic for days and longer). */
export function addWindows(dt: DateTime, size: WindowSize, n: number): DateTime {
  switch (size) {
    case 'MINUTE':
      return dt.plus({ minutes: n });
    case 'FIFTEEN_MINUTES':
      return dt.plus({ minutes: 15 * n });
    case 'HOUR':
      return dt.plus({ hours: n });
    case 'DAY':
      return truncate(dt.plus({ days: n }), 'DAY');
    case 'WEEK':
      return truncate(dt.plus({ weeks: n }), 'DAY');
    case 'MONTH':
      return truncate(dt.plus({ months: n }), 'DAY');
    case 'YEAR':
      return truncate(dt.plus({ years: n }), 'DAY');
  }
}
