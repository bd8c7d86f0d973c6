// The 15-minute pre-aggregate of meter_rows. Numeric usage queries whose every window boundary
// falls on a quarter hour read it instead of the raw rows (serves.ts decides; the caller never
// knows). Its rows are partial aggregates that combine associatively, so a fold may add several
// rows for one key and a merge later folds them into one (compile-rollup-write.ts).

/** Width of a rollup bucket: every real UTC offset is a multiple of it, so calendar days align. */
export const ROLLUP_BUCKET_MS = 900_000;

/** Slot of the rows that carry no dimension (dim is NULL and means "every value"). */
export const NO_SLOT = -1;

/**
 * The order merges and rebuilds write rows in. A query reads one meter, one slot and (usually)
 * one subject over a time range: with each merged range sorted this way, DuckDB's per-row-group
 * min/max on slot, sb and bucket skip the rest, as compaction's order does for meter_rows.
 */
export const ROLLUP_ORDER = 'account_id, meter_id, slot, sb, bucket';

/**
 * One row per (account_id, meter_id, bucket, subject, sb, slot, dim) once merged; before a merge a
 * key may have several partial rows. bucket is the rows' time floored to 15 minutes (epoch ms).
 * slot -1 aggregates over all dimension values (dim NULL); slot i groups by g_i, where NULL is a
 * value of its own, as GROUP BY treats it. value_count is count(value): compileNumeric counts
 * non-null values only, and a key whose values are all NULL still has a row (value_count 0), as
 * the raw GROUP BY still returns its group. latest_* is the row with the greatest time among
 * non-null values, ties to the greatest value: max(struct(time, value)), as compileNumeric does.
 * No indexes: DuckDB prunes by per-row-group min/max, which ROLLUP_ORDER makes tight.
 */
export const ROLLUP_MIGRATION = `CREATE TABLE rollup_15m (account_id VARCHAR NOT NULL, meter_id VARCHAR NOT NULL, bucket BIGINT NOT NULL, subject VARCHAR NOT NULL, sb USMALLINT, slot TINYINT NOT NULL, dim VARCHAR, value_count BIGINT NOT NULL, value_sum DOUBLE, value_min DOUBLE, value_max DOUBLE, latest_time BIGINT, latest_value DOUBLE);`;

/** The columns of rollup_15m in table order (INSERTs name them, so the order is stated once). */
export const ROLLUP_COLUMNS =
  'account_id, meter_id, bucket, subject, sb, slot, dim, value_count, value_sum, value_min, value_max, latest_time, latest_value';
