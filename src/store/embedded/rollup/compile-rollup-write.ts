// Pure SQL that keeps rollup_15m equal to an aggregate of meter_rows: a meter's rows rebuilt after
// a backfill (or at the first start of a directory without rollups) or deleted with the meter, and
// the partial rows of a bucket range merged into one per key. The folds add their partial rows
// from memory (rollup-fold.ts); compileRollupFold states the same aggregate in SQL, the reference
// the JS fold is tested against. Identifiers come from closed sets; values go through `lit`.
import { lit, litList } from '../sql-quote.js';
import {
  compileDistinctDelete,
  compileDistinctMerge,
  compileDistinctRows,
} from './compile-distinct-write.js';
import { aggregateFrom, type DroppedSlots } from './compile-rollup-aggregate.js';
import {
  compileForgetSubjects,
  compileSubjectBuild,
  compileSubjectMerge,
  compileSubjectRowsDelete,
  compileTrackSubject,
} from './compile-subject-rollup.js';
import { ROLLUP_COLUMNS, ROLLUP_ORDER } from './schema.js';

/** A temp table of new meter rows (meter_rows' columns, in its order), for compileRollupFold. */
export const CREATE_FOLD_ROWS =
  'CREATE TEMP TABLE IF NOT EXISTS fold_rows AS SELECT * FROM meter_rows LIMIT 0';

/**
 * The rollup rows of the rows staged in fold_rows, for the meters in `dimensionsByMeter` (meter
 * id -> its dimension count; meters absent get no rollup). The store folds in JS instead
 * (rollup-fold.ts): this is the reference its tests compare with. Undefined when no meter has a
 * rollup.
 */
export function compileRollupFold(
  dimensionsByMeter: ReadonlyMap<string, number>,
  dropped?: DroppedSlots,
): string | undefined {
  const select = aggregateFrom('fold_rows', dimensionsByMeter, undefined, dropped);
  return select && `INSERT INTO rollup_15m (${ROLLUP_COLUMNS}) ${select}`;
}

/**
 * A meter's rollup rows (numeric, per tracked subject, or distinct) deleted, its subjects no
 * longer tracked, and the meter no longer ready (meter deleted, or rebuilt: a numeric rebuild
 * tracks its subjects again).
 */
export function compileRollupDelete(meterId: string): string[] {
  return [
    `DELETE FROM rollup_15m WHERE meter_id = ${lit(meterId)}`,
    compileSubjectRowsDelete(meterId),
    compileForgetSubjects(meterId),
    compileDistinctDelete(meterId),
    compileRollupUnready(meterId),
  ];
}

/** The meter's rollup no longer complete: queries read its raw rows until a rebuild. */
export function compileRollupUnready(meterId: string): string {
  return `DELETE FROM rollup_ready WHERE meter_id = ${lit(meterId)}`;
}

/** Every rollup row and mark gone (the store runs without rollups; a later start rebuilds). */
export const ROLLUP_RESET: readonly string[] = [
  'DELETE FROM rollup_15m',
  'DELETE FROM distinct_1d',
  'DELETE FROM rollup_ready',
  'DELETE FROM rollup_dropped_slots',
  'DELETE FROM subject_rollup_15m',
  'DELETE FROM rollup_subjects',
];

/** A slot left out of the meter's rollup from now on: recorded (its rows are deleted apart). */
export function compileRollupDropSlot(meterId: string, slot: number): string {
  return `INSERT INTO rollup_dropped_slots VALUES (${litList([meterId, slot])})`;
}

/** The rows of a dropped slot deleted, once no read that could use them runs. */
export function compileRollupDeleteSlot(meterId: string, slot: number): string {
  return `DELETE FROM rollup_15m WHERE meter_id = ${lit(meterId)} AND slot = ${lit(slot)}`;
}

/** Rows of dropped slots left by a stop between a drop and its delete. */
export const ROLLUP_DROPPED_LEFTOVERS =
  'DELETE FROM rollup_15m WHERE (meter_id, slot) IN (SELECT meter_id, slot FROM rollup_dropped_slots)';

/** The meter's slots judged again from scratch (its dimensions changed, or it was deleted). */
export function compileRollupForgetDrops(meterId: string): string {
  return `DELETE FROM rollup_dropped_slots WHERE meter_id = ${lit(meterId)}`;
}

/**
 * Per meter and dimension slot, the rollup rows of buckets [from, to) against the meter rows of
 * that range: a slot with nearly as many rollup rows as meter rows is not worth keeping.
 */
export function compileSlotDensity(from: number, to: number): string {
  return `SELECT r.meter_id, r.slot, r.n AS rollup_rows, m.n AS meter_rows FROM (SELECT meter_id, slot, count(*) AS n FROM rollup_15m WHERE bucket >= ${lit(from)} AND bucket < ${lit(to)} AND slot >= 0 GROUP BY meter_id, slot) AS r JOIN (SELECT meter_id, count(*) AS n FROM meter_rows WHERE time >= ${lit(from)} AND time < ${lit(to)} GROUP BY meter_id) AS m ON r.meter_id = m.meter_id`;
}

/**
 * A meter's rollup rebuilt from meter_rows (after a backfill, or a start that found it missing),
 * written fully merged and in ROLLUP_ORDER, and the meter marked ready. Statements to run in
 * order in one transaction. Rows that folds commit after the transaction's snapshot are neither
 * deleted nor aggregated, and their folds add their partial rows: the sum stays exact.
 */
export function compileRollupRebuild(
  meterId: string,
  dimensions: number,
  dropped: ReadonlySet<number> = new Set(),
  subjects: readonly string[] = [],
): string[] {
  const select = aggregateFrom(
    'meter_rows',
    new Map([[meterId, dimensions]]),
    `r.meter_id = ${lit(meterId)}`,
    () => dropped,
  ) as string;
  return [
    ...compileRollupDelete(meterId),
    `INSERT INTO rollup_15m (${ROLLUP_COLUMNS}) ${select} ORDER BY ${ROLLUP_ORDER}`,
    // A tracked subject's rows keep every slot: dropping is judged over all subjects' rows.
    ...subjects.map((s) => compileTrackSubject(meterId, s)),
    ...compileSubjectBuild(meterId, subjects, dimensions),
    compileRollupReady(meterId),
  ];
}

/** A UNIQUE_COUNT meter's daily distinct rows rebuilt from meter_rows, as compileRollupRebuild. */
export function compileDistinctRebuild(meterId: string): string[] {
  return [
    ...compileRollupDelete(meterId),
    compileDistinctRows(meterId),
    compileRollupReady(meterId),
  ];
}

/** What the store knows of a meter's rollup (rollup-meters.ts), as the rebuild needs it. */
export interface RollupShapes {
  distinctOf(meterId: string): boolean;
  dimensionsOf(meterId: string): number | undefined;
  droppedSlots(meterId: string): ReadonlySet<number>;
  subjectsOf(meterId: string): string[];
}

/**
 * The statements that rebuild whatever rollup the meter has now (daily distinct values, or
 * 15-minute rows with its slots, and those of its tracked `subjects`), or that delete its rows
 * when it has none; `rolledUp` says which.
 */
export function compileRebuildFor(
  meters: RollupShapes,
  meterId: string,
): { statements: string[]; rolledUp: boolean; subjects: string[] } {
  if (meters.distinctOf(meterId)) {
    return { statements: compileDistinctRebuild(meterId), rolledUp: true, subjects: [] };
  }
  const dimensions = meters.dimensionsOf(meterId);
  if (dimensions === undefined)
    return { statements: compileRollupDelete(meterId), rolledUp: false, subjects: [] };
  const subjects = meters.subjectsOf(meterId);
  return {
    statements: compileRollupRebuild(meterId, dimensions, meters.droppedSlots(meterId), subjects),
    rolledUp: true,
    subjects,
  };
}

function compileRollupReady(meterId: string): string {
  return `INSERT INTO rollup_ready VALUES (${lit(meterId)})`;
}

/**
 * The rows of buckets [from, to) merged into one per key and written back in ROLLUP_ORDER, those
 * of tracked subjects too (unless `subjects` is false: none is tracked), and the distinct rows of
 * the days starting in the range (compile-distinct-write.ts). Statements to
 * run in order in one transaction (the temp table holds the merged rows between the DELETE and
 * the INSERT). Partials combine as the read does: sums add, min of mins, max of maxes, greatest
 * (time, value) pair. Rows a fold commits after the snapshot stay as they are.
 */
export function compileRollupMerge(from: number, to: number, subjects = true): string[] {
  const range = `bucket >= ${lit(from)} AND bucket < ${lit(to)}`;
  const inner = `SELECT account_id, meter_id, bucket, slot, dim, CAST(sum(value_count) AS BIGINT) AS value_count, sum(value_sum) AS value_sum, min(value_min) AS value_min, max(value_max) AS value_max, max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt FROM rollup_15m WHERE ${range} GROUP BY ALL`;
  return [
    `CREATE TEMP TABLE rollup_merge AS SELECT account_id, meter_id, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (${inner}) ORDER BY ${ROLLUP_ORDER}`,
    `DELETE FROM rollup_15m WHERE ${range}`,
    `INSERT INTO rollup_15m (${ROLLUP_COLUMNS}) SELECT ${ROLLUP_COLUMNS} FROM rollup_merge`,
    'DROP TABLE rollup_merge',
    ...(subjects ? compileSubjectMerge(from, to) : []),
    ...compileDistinctMerge(from, to),
  ];
}
