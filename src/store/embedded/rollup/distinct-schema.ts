// The daily distinct values of UNIQUE_COUNT meters (table distinct_1d, migration 11 of
// ../schema.ts): a row per (account_id, meter_id, day, value_text) once merged, where day is the
// UTC midnight (epoch ms) of the meter rows that carried the value. A distinct count over whole
// UTC days only needs to know which values each day saw, not how often: at 100 M events a year
// with 60,000 users that is about one row per seven events, and the month-to-date active users of
// a year read those instead of every meter row. Unique queries that neither group nor filter,
// whose every window edge is a UTC midnight, read it (serves.ts decides; the caller never knows).
// Other time zones, hourly windows and per-subject queries read the meter rows.
//
// A day whose rows include one without a value (NULL) has a NULL row too: the raw count of that
// day is 0 rather than absent, and the read must give the same rows.
//
// Folds append the distinct values of their own events, so a day holds duplicate rows until a
// merge keeps one of each; every read asks for distinct values, so duplicates never change an
// answer. Meters listed in rollup_ready have complete rows, as for rollup_15m.
import { DAY_MS } from '../compaction-policy.js';

/** The columns of distinct_1d in table order. */
export const DISTINCT_COLUMNS = 'account_id, meter_id, day, value_text';

/** The order merges and rebuilds write rows in, so that per-row-group min/max skip the rest. */
export const DISTINCT_ORDER = 'account_id, meter_id, day';

/** The UTC midnight (epoch ms) of `time`'s day: floored, also before 1970. */
export function dayStartOf(time: number): number {
  return time - (((time % DAY_MS) + DAY_MS) % DAY_MS);
}
