// rollup_15m's rows per subject, for the subjects heavy enough to be worth it (table
// subject_rollup_15m, migration 12 of ../schema.ts). A per-customer query (a dashboard, current
// usage) of a heavy customer otherwise scans every raw row of that customer: at 100 M events a year
// the heaviest customer of the benchmark has about a million rows a month. Keeping such rows for
// every subject would cost about a row per event and slot (most subjects send less than one event
// per bucket), so only subjects with many rows per day are tracked: compaction picks them as it
// rewrites closed days (rollup-upkeep.ts), then builds their rows from meter_rows, and folds add
// theirs from then on.
//
// Same columns and meaning as rollup_15m plus the subject and its bucket `sb` (../subject-bucket.ts,
// which the raw path filters on as well). Table rollup_subjects lists the tracked (meter, subject)
// pairs; `ready` says their rows are complete, and only then (with the meter's rollup ready too)
// do queries read them.

/** The order merges and builds write rows in: a query reads one meter, subject and slot. */
export const SUBJECT_ROLLUP_ORDER = 'account_id, meter_id, subject, slot, bucket';

/** The columns of subject_rollup_15m in table order. */
export const SUBJECT_ROLLUP_COLUMNS =
  'account_id, meter_id, subject, sb, bucket, slot, dim, value_count, value_sum, value_min, value_max, latest_time, latest_value';

/** A subject is tracked once a rewritten UTC day holds at least this many of its rows of a meter. */
export const DEFAULT_SUBJECT_MIN_DAY_ROWS = 2_000;

/** Most subjects tracked per meter: bounds what every fold and merge does for them. */
export const MAX_SUBJECTS_PER_METER = 64;
