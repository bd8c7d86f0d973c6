// Golden tests: the exact SQL of every query shape. A change here is a change to what runs on
// every ClickHouse version, so it must be deliberate (and re-checked on 18.16 and current).
import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, FilterNode } from '../../../query/planned-query.js';
import { aggregateNumericSql } from './aggregate-numeric.js';
import { aggregateUniqueSql } from './aggregate-unique.js';
import { filterExpr, windowExpr } from './common.js';
import { distinctValuesSql } from './distinct-values.js';
import { listEventsSql, scanEventsSql } from './list-events.js';
import { uniqueCoverageSql } from './unique-coverage.js';
import { uniqueFirstSeenSql } from './unique-first-seen.js';

const base: BaseUsageQuery = {
  accountId: 'acc',
  meterId: 'm1',
  from: 1000,
  to: 2000,
  bucket: { kind: 'all' },
  groupBy: [],
};
const WHERE = "account_id = 'acc' AND meter_id = 'm1' AND gen = 7 AND time >= 1000 AND time < 2000";
const HOUR = '(intDiv(time - 0, 3600000) - ((time - 0) % 3600000 < 0))';
const NUMERIC_AGGS =
  'count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx, argMax(value, tuple(time, value)) AS lv, maxIf(time, isNotNull(value)) AS lt';

describe('ClickHouse SQL golden', () => {
  const cases: [string, string, string][] = [
    [
      'numeric, one total',
      aggregateNumericSql(base, 7),
      `SELECT 0 AS w, ${NUMERIC_AGGS} FROM meter_rows WHERE ${WHERE} GROUP BY w`,
    ],
    [
      'numeric, hourly, grouped by subject and a slot, filtered',
      aggregateNumericSql(
        {
          ...base,
          bucket: { kind: 'uniform', origin: 0, width: 3_600_000 },
          groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: 3 }],
          filter: {
            op: 'and',
            children: [
              { op: 'in', dim: { kind: 'dim', slot: 0 }, values: ['a', 'b'] },
              { op: 'nilike', dim: { kind: 'subject' }, value: 'x%' },
            ],
          },
        },
        7,
      ),
      `SELECT ${HOUR} AS w, subject AS k0, g3 AS k1, ${NUMERIC_AGGS} FROM meter_rows WHERE ${WHERE} AND (g0 IN ('a', 'b') AND lowerUTF8(subject) NOT LIKE lowerUTF8('x%')) GROUP BY w, k0, k1`,
    ],
    [
      'unique, calendar days across an offset change',
      aggregateUniqueSql(
        {
          ...base,
          bucket: {
            kind: 'calendar',
            offsets: [
              { from: 0, offsetMs: -18_000_000 },
              { from: 1500, offsetMs: -14_400_000 },
            ],
            baseDay: 19000,
            dayToWindow: [0, 0, 1],
          },
        },
        7,
      ),
      `SELECT [0, 0, 1][(intDiv(time + multiIf(time >= 1500, (-14400000), (-18000000)), 86400000) - ((time + multiIf(time >= 1500, (-14400000), (-18000000))) % 86400000 < 0)) - 19000 + 1] AS w, uniqExact(value_text) AS u FROM meter_rows WHERE ${WHERE} GROUP BY w`,
    ],
    [
      'unique, grouped by a slot',
      aggregateUniqueSql({ ...base, groupBy: [{ kind: 'dim', slot: 15 }] }, 7),
      `SELECT 0 AS w, g15 AS k0, uniqExact(value_text) AS u FROM meter_rows WHERE ${WHERE} GROUP BY w, k0`,
    ],
    [
      'first seen per period',
      uniqueFirstSeenSql(
        { ...base, bucket: { kind: 'uniform', origin: 500, width: 100 } },
        { kind: 'all' },
        7,
      ),
      `SELECT p, w, count() AS c FROM (SELECT 0 AS p, value_text, min((intDiv(time - 500, 100) - ((time - 500) % 100 < 0))) AS w FROM meter_rows WHERE ${WHERE} AND isNotNull(value_text) GROUP BY p, value_text) GROUP BY p, w`,
    ],
    [
      'first seen, grouped, monthly periods by calendar',
      uniqueFirstSeenSql(
        { ...base, groupBy: [{ kind: 'subject' }] },
        {
          kind: 'calendar',
          offsets: [{ from: 0, offsetMs: 19_800_000 }],
          baseDay: 10,
          dayToWindow: [0, 1],
        },
        7,
      ),
      `SELECT p, w, k0, count() AS c FROM (SELECT [0, 1][(intDiv(time + 19800000, 86400000) - ((time + 19800000) % 86400000 < 0)) - 10 + 1] AS p, subject AS k0, value_text, min(0) AS w FROM meter_rows WHERE ${WHERE} AND isNotNull(value_text) GROUP BY p, k0, value_text) GROUP BY p, w, k0`,
    ],
    [
      'rolling coverage, grouped',
      uniqueCoverageSql(
        {
          ...base,
          bucket: { kind: 'uniform', origin: 0, width: 100 },
          groupBy: [{ kind: 'dim', slot: 1 }],
        },
        30,
        7,
      ),
      `SELECT s, e, k0, count() AS c FROM (SELECT k0, arrayJoin(arrayMap(i -> tuple(toInt64(ws[i]), toInt64(least(if(i < length(ws), ws[i + 1], ws[i] + 30), ws[i] + 30))), arrayEnumerate(ws))) AS se, tupleElement(se, 1) AS s, tupleElement(se, 2) AS e FROM (SELECT g1 AS k0, value_text, arraySort(groupUniqArray((intDiv(time - 0, 100) - ((time - 0) % 100 < 0)))) AS ws FROM meter_rows WHERE ${WHERE} AND isNotNull(value_text) GROUP BY k0, value_text)) GROUP BY s, e, k0`,
    ],
    [
      'rolling coverage, ungrouped',
      uniqueCoverageSql(base, 2, 7),
      `SELECT s, e, count() AS c FROM (SELECT arrayJoin(arrayMap(i -> tuple(toInt64(ws[i]), toInt64(least(if(i < length(ws), ws[i + 1], ws[i] + 2), ws[i] + 2))), arrayEnumerate(ws))) AS se, tupleElement(se, 1) AS s, tupleElement(se, 2) AS e FROM (SELECT value_text, arraySort(groupUniqArray(0)) AS ws FROM meter_rows WHERE ${WHERE} AND isNotNull(value_text) GROUP BY value_text)) GROUP BY s, e`,
    ],
    [
      'distinct values of a slot',
      distinctValuesSql(
        {
          accountId: 'a',
          meterId: 'm',
          dim: { kind: 'dim', slot: 2 },
          from: 0,
          to: 10,
          limit: 100,
        },
        3,
      ),
      "SELECT DISTINCT g2 AS v FROM meter_rows WHERE account_id = 'a' AND meter_id = 'm' AND gen = 3 AND time >= 0 AND time < 10 AND isNotNull(g2) ORDER BY v LIMIT 100",
    ],
    [
      'list events, every filter',
      listEventsSql({
        accountId: 'a',
        from: 1,
        to: 2,
        ingestedFrom: 3,
        ingestedTo: 4,
        idContains: "x'",
        subjectContains: '%',
        subject: 's',
        limit: 50,
      }),
      "SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = 'a' AND time >= 1 AND time <= 2 AND ingested_at >= 3 AND ingested_at <= 4 AND position(id, 'x\\'') > 0 AND position(subject, '%') > 0 AND subject = 's' AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'a') ORDER BY time DESC, source, id LIMIT 1 BY source, id LIMIT 50",
    ],
    [
      'list events, matches and a cursor',
      listEventsSql({
        accountId: 'a',
        match: [
          { field: 'subject', op: 'eq', values: ['s'] },
          { field: 'type', op: 'in', values: ['t1', "t'2"] },
          { field: 'id', op: 'like', values: ['x%'] },
          { field: 'source', op: 'ilike', values: ['S_'] },
          { field: 'type', op: 'in', values: [] },
        ],
        after: { time: 5, source: 'src', id: 'i' },
        limit: 10,
      }),
      "SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = 'a' AND subject = 's' AND type IN ('t1', 't\\'2') AND like(id, 'x%') AND like(lower(source), lower('S_')) AND 0 AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'a') AND (time < 5 OR (time = 5 AND (source > 'src' OR (source = 'src' AND id > 'i')))) ORDER BY time DESC, source, id LIMIT 1 BY source, id LIMIT 10",
    ],
    [
      'list events, account only',
      listEventsSql({ accountId: 'a', limit: 10 }),
      "SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = 'a' AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'a') ORDER BY time DESC, source, id LIMIT 1 BY source, id LIMIT 10",
    ],
    [
      'scan events after a cursor',
      scanEventsSql('a', 't', { time: 5, source: 's', id: 'i' }, 10),
      "SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = 'a' AND type = 't' AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'a') AND (time > 5 OR (time = 5 AND (source > 's' OR (source = 's' AND id > 'i')))) ORDER BY time, source, id LIMIT 1 BY source, id LIMIT 10",
    ],
    [
      'scan events, first page',
      scanEventsSql('a', 't', undefined, 10),
      "SELECT account_id, id, source, type, subject, time, ingested_at, data FROM events WHERE account_id = 'a' AND type = 't' AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'a') ORDER BY time, source, id LIMIT 1 BY source, id LIMIT 10",
    ],
  ];
  it.each(cases)('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  const s = { kind: 'subject' } as const;
  const g = { kind: 'dim', slot: 4 } as const;
  const filters: [FilterNode, string][] = [
    [{ op: 'eq', dim: s, value: 'v' }, "subject = 'v'"],
    [{ op: 'ne', dim: g, value: 'v' }, "g4 != 'v'"],
    [{ op: 'gt', dim: g, value: 'v' }, "g4 > 'v'"],
    [{ op: 'gte', dim: g, value: 'v' }, "g4 >= 'v'"],
    [{ op: 'lt', dim: g, value: 'v' }, "g4 < 'v'"],
    [{ op: 'lte', dim: g, value: 'v' }, "g4 <= 'v'"],
    [{ op: 'like', dim: g, value: 'a%' }, "g4 LIKE 'a%'"],
    [{ op: 'nlike', dim: g, value: 'a%' }, "g4 NOT LIKE 'a%'"],
    [{ op: 'ilike', dim: g, value: 'A%' }, "lowerUTF8(g4) LIKE lowerUTF8('A%')"],
    [{ op: 'nilike', dim: g, value: 'A%' }, "lowerUTF8(g4) NOT LIKE lowerUTF8('A%')"],
    [{ op: 'in', dim: g, values: ['a', 'b'] }, "g4 IN ('a', 'b')"],
    [{ op: 'in', dim: g, values: [] }, '0'],
    [{ op: 'nin', dim: g, values: ['a'] }, "(isNotNull(g4) AND g4 NOT IN ('a'))"],
    [{ op: 'nin', dim: g, values: [] }, 'isNotNull(g4)'],
    [{ op: 'and', children: [] }, '1'],
    [{ op: 'or', children: [] }, '0'],
    [
      {
        op: 'or',
        children: [
          { op: 'eq', dim: s, value: "it's" },
          { op: 'and', children: [{ op: 'eq', dim: g, value: 'a\\b' }] },
        ],
      },
      "(subject = 'it\\'s' OR (g4 = 'a\\\\b'))",
    ],
  ];
  it.each(filters)('filter %j', (node, expected) => {
    expect(filterExpr(node)).toBe(expected);
  });

  it('an ad-hoc meter reads the raw events, without generations', () => {
    expect(
      aggregateNumericSql(
        {
          ...base,
          filter: { op: 'eq', dim: { kind: 'subject' }, value: 's' },
          source: { eventType: "t'x", aggregation: 'COUNT', dims: [], eventFrom: 1500 },
        },
        7,
      ),
    ).toBe(
      `SELECT 0 AS w, ${NUMERIC_AGGS} FROM (SELECT account_id, 'm1' AS meter_id, time, subject, toNullable(toFloat64(1)) AS value, CAST(NULL AS Nullable(String)) AS value_text FROM (SELECT account_id, time, subject, ${String.raw`replaceRegexpAll(replaceAll(replaceRegexpAll(replaceAll(data, '\\\\', char(1)), '\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\\\\ufffd'), char(1), '\\\\'), '([:,\\[])(-?[0-9]{20,})', '\\1\\2.0')`} AS d FROM events WHERE account_id = 'acc' AND type = 't\\'x' AND time >= 1500 AND time < 2000 AND (source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = 'acc'))) WHERE time >= 1000 AND time < 2000 AND subject = 's' GROUP BY w`,
    );
    const sum = aggregateNumericSql(
      {
        ...base,
        groupBy: [{ kind: 'dim', slot: 0 }],
        source: { eventType: 't', aggregation: 'SUM', value: ['a', 'b'], dims: [['tags', 'x']] },
      },
      7,
    );
    expect(sum).toContain('if(isFinite(rv) AND abs(rv) <= 9007199254740991, rv, NULL) AS value');
    expect(sum).toContain("JSONType(d, 'tags', 'x') = 'String', JSONExtractString(d, 'tags', 'x')");
    expect(sum).toContain("toNullable(JSONExtractFloat(d, 'a', 'b'))");
    expect(sum).not.toContain('gen =');
  });

  it('rejects dimension slots outside the closed set', () => {
    expect(() => filterExpr({ op: 'eq', dim: { kind: 'dim', slot: 16 }, value: 'x' })).toThrow();
    expect(() => filterExpr({ op: 'eq', dim: { kind: 'dim', slot: 1.5 }, value: 'x' })).toThrow();
  });

  it('window expressions', () => {
    expect(windowExpr({ kind: 'all' })).toBe('0');
    expect(windowExpr({ kind: 'uniform', origin: -60_000, width: 60_000 })).toBe(
      '(intDiv(time - (-60000), 60000) - ((time - (-60000)) % 60000 < 0))',
    );
    expect(windowExpr({ kind: 'calendar', offsets: [], baseDay: 0, dayToWindow: [] })).toBe('(-1)');
  });
});
