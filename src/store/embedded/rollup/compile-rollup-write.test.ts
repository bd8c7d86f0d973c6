import { describe, expect, it } from 'vitest';
import { subjectBucket } from '../subject-bucket.js';
import {
  compileDistinctRebuild,
  compileRollupDelete,
  compileRollupDeleteSlot,
  compileRollupDropSlot,
  compileRollupFold,
  compileRollupForgetDrops,
  compileRollupMerge,
  compileRollupRebuild,
  compileRollupUnready,
  compileSlotDensity,
  ROLLUP_RESET,
} from './compile-rollup-write.js';
import {
  compileForgetSubjects,
  compileHeavySubjects,
  compileSubjectBuild,
  compileTrackSubject,
} from './compile-subject-rollup.js';

const COLUMNS =
  'account_id, meter_id, bucket, slot, dim, value_count, value_sum, value_min, value_max, latest_time, latest_value';
const SUBJECT_COLUMNS =
  'account_id, meter_id, subject, sb, bucket, slot, dim, value_count, value_sum, value_min, value_max, latest_time, latest_value';
const AGGREGATES =
  'count(r.value) AS value_count, sum(r.value) AS value_sum, min(r.value) AS value_min, max(r.value) AS value_max, max(struct_pack(t := r.time, v := r.value)) FILTER (WHERE r.value IS NOT NULL) AS lt';
const OUTER = `INSERT INTO rollup_15m (${COLUMNS}) SELECT account_id, meter_id, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM`;
const KEY =
  'r.account_id, r.meter_id, r.time - (((r.time % 900000) + 900000) % 900000) AS bucket, s.slot';

describe('rollup write SQL (golden)', () => {
  it('fold: slot -1 and each declared slot of each rolled-up meter', () => {
    expect(
      compileRollupFold(
        new Map([
          ['m1', 2],
          ["o'm", 0],
        ]),
      ),
    ).toBe(
      `${OUTER} (SELECT ${KEY}, CASE s.slot WHEN 0 THEN r.g0 WHEN 1 THEN r.g1 ELSE NULL END AS dim, ${AGGREGATES} FROM fold_rows AS r JOIN (VALUES ('m1', -1), ('m1', 0), ('m1', 1), ('o''m', -1)) AS s(meter_id, slot) ON r.meter_id = s.meter_id GROUP BY ALL)`,
    );
    expect(compileRollupFold(new Map([['m0', 0]]))).toBe(
      `${OUTER} (SELECT ${KEY}, NULL AS dim, ${AGGREGATES} FROM fold_rows AS r JOIN (VALUES ('m0', -1)) AS s(meter_id, slot) ON r.meter_id = s.meter_id GROUP BY ALL)`,
    );
    expect(compileRollupFold(new Map())).toBe(undefined);
    expect(() => compileRollupFold(new Map([['m', 17]]))).toThrow(/dimension count/);
  });

  it('rebuild (marking the meter ready) and delete of one meter; reset of all', () => {
    const forget = [
      "DELETE FROM rollup_15m WHERE meter_id = 'm1'",
      "DELETE FROM subject_rollup_15m WHERE meter_id = 'm1'",
      "DELETE FROM rollup_subjects WHERE meter_id = 'm1'",
      "DELETE FROM distinct_1d WHERE meter_id = 'm1'",
      "DELETE FROM rollup_ready WHERE meter_id = 'm1'",
    ];
    expect(compileRollupDelete('m1')).toEqual(forget);
    expect(compileRollupUnready('m1')).toBe(forget[4]);
    expect(compileRollupRebuild('m1', 1)).toEqual([
      ...forget,
      `${OUTER} (SELECT ${KEY}, CASE s.slot WHEN 0 THEN r.g0 ELSE NULL END AS dim, ${AGGREGATES} FROM meter_rows AS r JOIN (VALUES ('m1', -1), ('m1', 0)) AS s(meter_id, slot) ON r.meter_id = s.meter_id WHERE r.meter_id = 'm1' GROUP BY ALL) ORDER BY account_id, meter_id, slot, bucket`,
      "INSERT INTO rollup_ready VALUES ('m1')",
    ]);
    expect(compileDistinctRebuild("m'1")).toEqual([
      "DELETE FROM rollup_15m WHERE meter_id = 'm''1'",
      "DELETE FROM subject_rollup_15m WHERE meter_id = 'm''1'",
      "DELETE FROM rollup_subjects WHERE meter_id = 'm''1'",
      "DELETE FROM distinct_1d WHERE meter_id = 'm''1'",
      "DELETE FROM rollup_ready WHERE meter_id = 'm''1'",
      "INSERT INTO distinct_1d (account_id, meter_id, day, value_text) SELECT DISTINCT account_id, meter_id, time - (((time % 86400000) + 86400000) % 86400000) AS day, value_text FROM meter_rows WHERE meter_id = 'm''1' ORDER BY account_id, meter_id, day",
      "INSERT INTO rollup_ready VALUES ('m''1')",
    ]);
    expect(ROLLUP_RESET).toEqual([
      'DELETE FROM rollup_15m',
      'DELETE FROM distinct_1d',
      'DELETE FROM rollup_ready',
      'DELETE FROM rollup_dropped_slots',
      'DELETE FROM subject_rollup_15m',
      'DELETE FROM rollup_subjects',
    ]);
  });

  it('leaves dropped slots out of a rebuild; records, deletes and forgets drops', () => {
    const [, , , , , insert] = compileRollupRebuild('m1', 3, new Set([1]));
    expect(insert).toContain("VALUES ('m1', -1), ('m1', 0), ('m1', 2)) AS s(meter_id, slot)");
    expect(compileRollupDropSlot("m'1", 2)).toBe(
      "INSERT INTO rollup_dropped_slots VALUES ('m''1', 2)",
    );
    expect(compileRollupDeleteSlot('m1', 2)).toBe(
      "DELETE FROM rollup_15m WHERE meter_id = 'm1' AND slot = 2",
    );
    // A tracked subject's rows keep the dropped slot.
    expect(compileRollupRebuild('m1', 3, new Set([1]), ['c'])[8]).toContain(
      "VALUES ('m1', -1), ('m1', 0), ('m1', 1), ('m1', 2)) AS s(meter_id, slot)",
    );
    expect(compileRollupForgetDrops('m1')).toBe(
      "DELETE FROM rollup_dropped_slots WHERE meter_id = 'm1'",
    );
    expect(compileSlotDensity(0, 900_000)).toBe(
      'SELECT r.meter_id, r.slot, r.n AS rollup_rows, m.n AS meter_rows FROM (SELECT meter_id, slot, count(*) AS n FROM rollup_15m WHERE bucket >= 0 AND bucket < 900000 AND slot >= 0 GROUP BY meter_id, slot) AS r JOIN (SELECT meter_id, count(*) AS n FROM meter_rows WHERE time >= 0 AND time < 900000 GROUP BY meter_id) AS m ON r.meter_id = m.meter_id',
    );
  });

  it('builds, tracks and forgets tracked subjects, and finds heavy ones', () => {
    expect(compileTrackSubject('m1', "c'1")).toBe(
      "INSERT INTO rollup_subjects VALUES ('m1', 'c''1', FALSE)",
    );
    const sb = subjectBucket("c'1");
    expect(compileSubjectBuild('m1', ["c'1"], 1)).toEqual([
      `DELETE FROM subject_rollup_15m WHERE meter_id = 'm1' AND sb IN (${sb}) AND subject IN ('c''1')`,
      `INSERT INTO subject_rollup_15m (${SUBJECT_COLUMNS}) SELECT account_id, meter_id, subject, sb, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (SELECT r.account_id, r.meter_id, r.subject, r.sb, r.time - (((r.time % 900000) + 900000) % 900000) AS bucket, s.slot, CASE s.slot WHEN 0 THEN r.g0 ELSE NULL END AS dim, ${AGGREGATES} FROM meter_rows AS r JOIN (VALUES ('m1', -1), ('m1', 0)) AS s(meter_id, slot) ON r.meter_id = s.meter_id WHERE r.meter_id = 'm1' AND r.sb IN (${sb}) AND r.subject IN ('c''1') GROUP BY ALL) ORDER BY account_id, meter_id, subject, slot, bucket`,
      "UPDATE rollup_subjects SET ready = true WHERE meter_id = 'm1' AND subject IN ('c''1')",
    ]);
    expect(compileSubjectBuild('m1', [], 1)).toEqual([]);
    // A meter's rebuild forgets every subject, tracks again those tracked now and rebuilds their
    // rows before the meter is ready.
    const rebuild = compileRollupRebuild('m1', 1, new Set(), ["c'1"]);
    expect(rebuild[2]).toBe(compileForgetSubjects('m1'));
    expect(rebuild.slice(6, 10)).toEqual([
      compileTrackSubject('m1', "c'1"),
      ...compileSubjectBuild('m1', ["c'1"], 1),
    ]);
    expect(rebuild[10]).toBe("INSERT INTO rollup_ready VALUES ('m1')");
    expect(compileForgetSubjects('m1')).toBe("DELETE FROM rollup_subjects WHERE meter_id = 'm1'");
    expect(compileHeavySubjects(0, 86_400_000, [], 10)).toBeUndefined();
    expect(compileHeavySubjects(0, 86_400_000, ['m1', "m'2"], 10)).toBe(
      "SELECT meter_id, subject, max(n) AS n FROM (SELECT meter_id, subject, count(*) AS n FROM meter_rows WHERE time >= 0 AND time < 86400000 AND meter_id IN ('m1', 'm''2') GROUP BY meter_id, subject, (time - 0) // 86400000 HAVING count(*) >= 10) GROUP BY meter_id, subject ORDER BY n DESC, meter_id, subject",
    );
  });

  it('merge of a bucket range, and of the daily distinct values of the days it starts', () => {
    const range = 'bucket >= 0 AND bucket < 86400000';
    const days = 'day >= 0 AND day < 86400000';
    const distinct = 'account_id, meter_id, day, value_text';
    expect(compileRollupMerge(0, 86_400_000)).toEqual([
      `CREATE TEMP TABLE rollup_merge AS SELECT account_id, meter_id, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (SELECT account_id, meter_id, bucket, slot, dim, CAST(sum(value_count) AS BIGINT) AS value_count, sum(value_sum) AS value_sum, min(value_min) AS value_min, max(value_max) AS value_max, max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt FROM rollup_15m WHERE ${range} GROUP BY ALL) ORDER BY account_id, meter_id, slot, bucket`,
      `DELETE FROM rollup_15m WHERE ${range}`,
      `INSERT INTO rollup_15m (${COLUMNS}) SELECT ${COLUMNS} FROM rollup_merge`,
      'DROP TABLE rollup_merge',
      `CREATE TEMP TABLE subject_rollup_merge AS SELECT account_id, meter_id, subject, sb, bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (SELECT account_id, meter_id, subject, sb, bucket, slot, dim, CAST(sum(value_count) AS BIGINT) AS value_count, sum(value_sum) AS value_sum, min(value_min) AS value_min, max(value_max) AS value_max, max(struct_pack(t := latest_time, v := latest_value)) FILTER (WHERE latest_value IS NOT NULL) AS lt FROM subject_rollup_15m WHERE ${range} GROUP BY ALL) ORDER BY account_id, meter_id, subject, slot, bucket`,
      `DELETE FROM subject_rollup_15m WHERE ${range}`,
      `INSERT INTO subject_rollup_15m (${SUBJECT_COLUMNS}) SELECT ${SUBJECT_COLUMNS} FROM subject_rollup_merge`,
      'DROP TABLE subject_rollup_merge',
      `CREATE TEMP TABLE distinct_merge AS SELECT DISTINCT ${distinct} FROM distinct_1d WHERE ${days} ORDER BY account_id, meter_id, day`,
      `DELETE FROM distinct_1d WHERE ${days}`,
      `INSERT INTO distinct_1d (${distinct}) SELECT ${distinct} FROM distinct_merge`,
      'DROP TABLE distinct_merge',
    ]);
  });
});
