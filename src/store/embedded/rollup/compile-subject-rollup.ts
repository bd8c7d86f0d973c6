// Pure SQL that keeps subject_rollup_15m equal to the per-subject aggregate of meter_rows for the
// tracked subjects (subject-schema.ts): which subjects a rewritten range shows to be heavy, a
// subject's rows built when it starts being tracked (and with its meter's rebuild), merged with the
// rest of the rollup, and deleted with the meter. Identifiers come from closed sets; values go
// through `lit`.
import { DAY_MS } from '../compaction-policy.js';
import { lit, litList } from '../sql-quote.js';
import { subjectBucket } from '../subject-bucket.js';
import { aggregateFrom } from './compile-rollup-aggregate.js';
import { SUBJECT_ROLLUP_COLUMNS, SUBJECT_ROLLUP_ORDER } from './subject-schema.js';

function subjectsWhere(subjects: readonly string[], prefix = ''): string {
  const buckets = [...new Set(subjects.map(subjectBucket))].sort((a, b) => a - b);
  return `${prefix}sb IN (${litList(buckets)}) AND ${prefix}subject IN (${litList([...subjects])})`;
}

/** The subject is tracked from now on, its rows not built yet. */
export function compileTrackSubject(meterId: string, subject: string): string {
  return `INSERT INTO rollup_subjects VALUES (${litList([meterId, subject, false])})`;
}

/**
 * The rows of the meter's `subjects` rebuilt from meter_rows, fully merged and in order, and the
 * subjects marked ready: statements to run in order in one transaction. As for the meter's own
 * rebuild, rows folds commit after the snapshot are neither deleted nor aggregated, and their
 * folds add their partial rows.
 */
export function compileSubjectBuild(
  meterId: string,
  subjects: readonly string[],
  dimensions: number,
): string[] {
  if (subjects.length === 0) return [];
  const select = aggregateFrom(
    'meter_rows',
    new Map([[meterId, dimensions]]),
    `r.meter_id = ${lit(meterId)} AND ${subjectsWhere(subjects, 'r.')}`,
    undefined,
    true,
  ) as string;
  const these = `meter_id = ${lit(meterId)} AND ${subjectsWhere(subjects)}`;
  return [
    `DELETE FROM subject_rollup_15m WHERE ${these}`,
    `INSERT INTO subject_rollup_15m (${SUBJECT_ROLLUP_COLUMNS}) ${select} ORDER BY ${SUBJECT_ROLLUP_ORDER}`,
    `UPDATE rollup_subjects SET ready = true WHERE meter_id = ${lit(meterId)} AND subject IN (${litList([...subjects])})`,
  ];
}

/** Every per-subject row of the meter deleted (its subjects stay tracked). */
export function compileSubjectRowsDelete(meterId: string): string {
  return `DELETE FROM subject_rollup_15m WHERE meter_id = ${lit(meterId)}`;
}

/** The meter's subjects no longer tracked (the meter is deleted). */
export function compileForgetSubjects(meterId: string): string {
  return `DELETE FROM rollup_subjects WHERE meter_id = ${lit(meterId)}`;
}

/** The per-subject rows of a slot left out of the meter's rollup. */
export function compileSubjectDeleteSlot(meterId: string, slot: number): string {
  return `DELETE FROM subject_rollup_15m WHERE meter_id = ${lit(meterId)} AND slot = ${lit(slot)}`;
}

/**
 * The per-subject rows of buckets [from, to) merged into one per key, as compileRollupMerge does
 * for rollup_15m (the temp table holds the merged rows between the DELETE and the INSERT).
 */
export function compileSubjectMerge(from: number, to: number): string[] {
  const range = `bucket >= ${lit(from)} AND bucket < ${lit(to)}`;
  const inner = `SELECT account_id, meter_id, subject, sb, bucket, slot, dim, CAST(sum(value_count) AS BIGINT) AS value_count, sum(value_sum) AS value_sum, min(value_min) AS value_min, max(value_max) AS value_max, max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt FROM subject_rollup_15m WHERE ${range} GROUP BY ALL`;
  return [
    `CREATE TEMP TABLE subject_rollup_merge AS SELECT account_id, meter_id, subject, sb, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (${inner}) ORDER BY ${SUBJECT_ROLLUP_ORDER}`,
    `DELETE FROM subject_rollup_15m WHERE ${range}`,
    `INSERT INTO subject_rollup_15m (${SUBJECT_ROLLUP_COLUMNS}) SELECT ${SUBJECT_ROLLUP_COLUMNS} FROM subject_rollup_merge`,
    'DROP TABLE subject_rollup_merge',
  ];
}

/**
 * The (meter, subject) pairs of `meterIds` with at least `minDayRows` meter rows in one UTC day
 * of [from, to), heaviest first.
 */
export function compileHeavySubjects(
  from: number,
  to: number,
  meterIds: readonly string[],
  minDayRows: number,
): string | undefined {
  if (meterIds.length === 0) return undefined;
  const day = `(time - ${lit(from)}) // ${lit(DAY_MS)}`;
  const perDay = `SELECT meter_id, subject, count(*) AS n FROM meter_rows WHERE time >= ${lit(from)} AND time < ${lit(to)} AND meter_id IN (${litList([...meterIds])}) GROUP BY meter_id, subject, ${day} HAVING count(*) >= ${lit(minDayRows)}`;
  return `SELECT meter_id, subject, max(n) AS n FROM (${perDay}) GROUP BY meter_id, subject ORDER BY n DESC, meter_id, subject`;
}
