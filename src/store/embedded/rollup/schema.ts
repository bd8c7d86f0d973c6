// The 15-minute pre-aggregate of numeric meters' rows (table rollup_15m, migration 5 of
// ../schema.ts). Numeric usage queries that neither group nor filter by subject, and whose every
// window boundary falls on a quarter hour, read it instead of meter_rows (serves.ts decides; the
// caller never knows). It keeps no subject: a meter-year is at most 35,040 no-dimension rows
// however many events and subjects it has, while per-subject queries read the raw rows, which
// compaction sorts by subject. Its rows are partial aggregates that combine associatively, so
// every fold adds rows for the keys it touches and a merge later folds them into one per key
// (compile-rollup-write.ts).
//
// A row per (account_id, meter_id, bucket, slot, dim) once merged. bucket is the rows' time
// floored to 15 minutes (epoch ms). slot -1 aggregates over all dimension values (dim NULL); slot
// i groups by g_i, where NULL is a value of its own, as GROUP BY treats it. value_count is
// count(value): compileNumeric counts non-null values only, and a key whose values are all NULL
// still has a row (value_count 0), as the raw GROUP BY still returns its group. latest_* is the
// row with the greatest time among non-null values, ties to the greatest value:
// max(struct(time, value)), as compileNumeric does. No indexes: DuckDB prunes by per-row-group
// min/max, which ROLLUP_ORDER makes tight.
//
// Table rollup_ready lists the meters whose rollup rows are complete; the others read raw rows.

/** Width of a rollup bucket: every real UTC offset is a multiple of it, so calendar days align. */
export const ROLLUP_BUCKET_MS = 900_000;

/** Slot of the rows that carry no dimension (dim is NULL and means "every value"). */
export const NO_SLOT = -1;

/**
 * The order merges and rebuilds write rows in. A query reads one meter and one slot over a time
 * range: with each merged range sorted this way, the per-row-group min/max skip the rest.
 */
export const ROLLUP_ORDER = 'account_id, meter_id, slot, bucket';

/** The columns of rollup_15m in table order (INSERTs name them, so the order is stated once). */
export const ROLLUP_COLUMNS =
  'account_id, meter_id, bucket, slot, dim, value_count, value_sum, value_min, value_max, latest_time, latest_value';

/** The bucket (start, epoch ms) of `time`: floored, also before 1970. */
export function bucketOf(time: number): number {
  return time - (((time % ROLLUP_BUCKET_MS) + ROLLUP_BUCKET_MS) % ROLLUP_BUCKET_MS);
}
