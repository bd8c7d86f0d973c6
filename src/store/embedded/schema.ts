import { MAX_DIMENSIONS } from '../../meter/meter-definition.js';

// Ordered, never-edited migrations of the embedded store. The ledger table records which ran.
const dimColumns = Array.from({ length: MAX_DIMENSIONS }, (_, i) => `g${i} VARCHAR`).join(', ');
const countColumns = Array.from(
  { length: MAX_DIMENSIONS },
  (_, i) => `n${i} INTEGER NOT NULL`,
).join(', ');

/** The tables folds append to; readers use the views `events` and `meter_rows` (migration 6). */
export const EVENTS_HOT = 'events_hot';
export const METER_ROWS_HOT = 'meter_rows_hot';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at VARCHAR NOT NULL, profiles VARCHAR NOT NULL);
   CREATE TABLE api_keys (id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, subject VARCHAR, hash VARCHAR NOT NULL, prefix VARCHAR NOT NULL, created_at VARCHAR NOT NULL, revoked_at VARCHAR);
   CREATE TABLE meters (id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, body VARCHAR NOT NULL);
   -- Raw events: the source of truth, appended in arrival order (time is mostly increasing, so
   -- DuckDB's per-row-group min/max prune time ranges). key_hash feeds the dedupe index at start.
   CREATE TABLE events (account_id VARCHAR NOT NULL, key_hash UBIGINT NOT NULL, id VARCHAR NOT NULL, source VARCHAR NOT NULL, type VARCHAR NOT NULL, subject VARCHAR NOT NULL, time BIGINT NOT NULL, ingested_at BIGINT NOT NULL, data VARCHAR NOT NULL);
   -- Values and dimensions extracted per meter at ingest, so that queries never parse JSON.
   CREATE TABLE meter_rows (meter_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, time BIGINT NOT NULL, subject VARCHAR NOT NULL, value DOUBLE, value_text VARCHAR, ${dimColumns});`,
  // The last ingest-log record folded into DuckDB, updated in the same transaction as its rows.
  `CREATE TABLE ingest_state (applied_seq BIGINT NOT NULL);
   INSERT INTO ingest_state VALUES (0);`,
  // The subject's bucket (subject-bucket.ts), filled by the store (rows from before this
  // migration at the next start). Compaction sorts closed days and months by it, so a query for
  // one subject reads only that subject's row groups.
  `ALTER TABLE meter_rows ADD COLUMN sb USMALLINT;`,
  // What compaction last sorted: each chunk's row count at its rewrite (chunkKey) and each UTC
  // day's, so that a restart finds the days that changed since by comparing counts.
  `CREATE TABLE compacted_chunks (chunk VARCHAR PRIMARY KEY, rows BIGINT NOT NULL);
   CREATE TABLE compacted_days (day INTEGER PRIMARY KEY, rows BIGINT NOT NULL);`,
  // 15-minute partial aggregates of numeric meters, without the subject (rollup/schema.ts), and
  // the meters whose rollup rows are complete: only those are read from it. A directory from
  // before this migration has none ready, and the store rebuilds them in the background.
  `CREATE TABLE rollup_15m (account_id VARCHAR NOT NULL, meter_id VARCHAR NOT NULL, bucket BIGINT NOT NULL, slot TINYINT NOT NULL, dim VARCHAR, value_count BIGINT NOT NULL, value_sum DOUBLE, value_min DOUBLE, value_max DOUBLE, latest_time BIGINT, latest_value DOUBLE);
   CREATE TABLE rollup_ready (meter_id VARCHAR NOT NULL);`,
  // Closed months move out of DuckDB into Parquet files under archive/ (archive/month-archive.ts).
  // The tables keep the rows not archived yet; the views of the old names read both, and an
  // archive swaps them in the transaction that deletes the archived rows, so every snapshot
  // sees each row once. archive_months lists the files each view reads.
  `ALTER TABLE events RENAME TO events_hot;
   ALTER TABLE meter_rows RENAME TO meter_rows_hot;
   CREATE VIEW events AS SELECT * FROM events_hot;
   CREATE VIEW meter_rows AS SELECT * FROM meter_rows_hot;
   CREATE TABLE archive_months (month BIGINT PRIMARY KEY, events_gen INTEGER NOT NULL, events BIGINT NOT NULL, rows_gen INTEGER NOT NULL, meter_rows BIGINT NOT NULL);`,
  // Dimension slots left out of a meter's rollup: a slot whose values are nearly as many as the
  // rows (an id-like dimension) makes the rollup as large as the rows it should summarise, so the
  // compactor drops it (rollup/rollup-upkeep.ts) and queries on it read the meter rows.
  `CREATE TABLE rollup_dropped_slots (meter_id VARCHAR NOT NULL, slot TINYINT NOT NULL);`,
  // Per-account documents of the features around usage (ports.ts, RecordRepo).
  `CREATE TABLE records (collection VARCHAR NOT NULL, account_id VARCHAR NOT NULL, id VARCHAR NOT NULL, body VARCHAR NOT NULL, PRIMARY KEY (collection, account_id, id));`,
  // Event versions taken out by corrections (compile-voids.ts); the events themselves stay.
  `CREATE TABLE event_voids (account_id VARCHAR NOT NULL, source VARCHAR NOT NULL, id VARCHAR NOT NULL, ingested_at BIGINT NOT NULL, voided_at BIGINT NOT NULL, correction_id VARCHAR NOT NULL);`,
  // Distinct dimension values per subject in each archived meter rows file, and the files
  // counted (archive/subject-dims.ts): the cost check bounds per-subject queries with them. Files
  // archived before this migration are counted in the background after the next start.
  `CREATE TABLE archive_subject_dims (month BIGINT NOT NULL, rows_gen INTEGER NOT NULL, account_id VARCHAR NOT NULL, meter_id VARCHAR NOT NULL, subject VARCHAR NOT NULL, ${countColumns});
   CREATE TABLE archive_subject_dims_files (month BIGINT NOT NULL, rows_gen INTEGER NOT NULL);`,
  // The distinct values of UNIQUE_COUNT meters per UTC day (rollup/distinct-schema.ts), beside
  // rollup_15m and listed in rollup_ready the same way. A directory from before this migration
  // has no unique meter ready, and the store builds their rows in the background.
  `CREATE TABLE distinct_1d (account_id VARCHAR NOT NULL, meter_id VARCHAR NOT NULL, day BIGINT NOT NULL, value_text VARCHAR);`,
  // rollup_15m's rows per subject for the subjects heavy enough to track (rollup/subject-schema.ts),
  // and which subjects of which meters are tracked and complete. A directory from before this
  // migration tracks none; compaction picks them as it rewrites closed days.
  `CREATE TABLE subject_rollup_15m (account_id VARCHAR NOT NULL, meter_id VARCHAR NOT NULL, subject VARCHAR NOT NULL, sb USMALLINT NOT NULL, bucket BIGINT NOT NULL, slot TINYINT NOT NULL, dim VARCHAR, value_count BIGINT NOT NULL, value_sum DOUBLE, value_min DOUBLE, value_max DOUBLE, latest_time BIGINT, latest_value DOUBLE);
   CREATE TABLE rollup_subjects (meter_id VARCHAR NOT NULL, subject VARCHAR NOT NULL, ready BOOLEAN NOT NULL);`,
];
