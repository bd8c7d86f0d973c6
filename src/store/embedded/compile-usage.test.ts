import { describe, expect, it } from 'vitest';
import type { BaseUsageQuery, Bucketing } from '../../query/planned-query.js';
import {
  compileCoverage,
  compileDistinctValues,
  compileFirstSeen,
  compileNumeric,
  compileUnique,
  filterExpr,
  windowExpr,
} from './compile-usage.js';
import { lit } from './sql-quote.js';

const base: BaseUsageQuery = {
  accountId: 'acc',
  meterId: 'm1',
  from: 1000,
  to: 2000,
  bucket: { kind: 'uniform', origin: 0, width: 3_600_000 },
  groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: 2 }],
};

describe('embedded SQL compiler (golden)', () => {
  const cases: [Bucketing, string][] = [
    [{ kind: 'all' }, '0'],
    [{ kind: 'uniform', origin: 900000, width: 3600000 }, '((time - 900000) // 3600000)'],
    [
      {
        kind: 'calendar',
        offsets: [
          { from: 0, offsetMs: -18000000 },
          { from: 1710054000000, offsetMs: -14400000 },
        ],
        baseDay: 19792,
        dayToWindow: [0, 0, 1],
      },
      '([0, 0, 1])[((time + CASE WHEN time >= 1710054000000 THEN -14400000 ELSE -18000000 END) // 86400000) - 19792 + 1]',
    ],
  ];
  it.each(cases)('window expression %#', (bucket, sql) => {
    expect(windowExpr(bucket)).toBe(sql);
  });

  it('numeric aggregation', () => {
    expect(compileNumeric(base)).toBe(
      "SELECT ((time - 0) // 3600000) AS w, subject AS k0, g2 AS k1, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 GROUP BY w, k0, k1",
    );
  });

  it('numeric aggregation with latest', () => {
    expect(compileNumeric({ ...base, groupBy: [], latest: true })).toBe(
      "SELECT w, c, s, mn, mx, lt.t AS lt_time, lt.v AS lt_value FROM (SELECT ((time - 0) // 3600000) AS w, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx, max(struct_pack(t := time, v := value)) FILTER (WHERE value IS NOT NULL) AS lt FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 GROUP BY w)",
    );
  });

  it('unique, first-seen and coverage', () => {
    const q = { ...base, groupBy: [] };
    expect(compileUnique(q)).toBe(
      "SELECT ((time - 0) // 3600000) AS w, count(DISTINCT value_text) AS u FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 GROUP BY w",
    );
    expect(compileFirstSeen(q, { kind: 'all' })).toBe(
      "SELECT p, w, count(*) AS c FROM (SELECT 0 AS p, value_text, min(((time - 0) // 3600000)) AS w FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND value_text IS NOT NULL GROUP BY p, value_text) GROUP BY p, w",
    );
    expect(compileCoverage(q, 30)).toBe(
      "SELECT s, e, count(*) AS c FROM (SELECT w AS s, least(coalesce(lead(w) OVER (PARTITION BY value_text ORDER BY w), w + 30), w + 30) AS e FROM (SELECT DISTINCT ((time - 0) // 3600000) AS w, value_text FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND value_text IS NOT NULL)) GROUP BY s, e",
    );
  });

  it('distinct values, optionally of one subject', () => {
    expect(
      compileDistinctValues({
        accountId: 'a',
        meterId: 'm',
        dim: { kind: 'dim', slot: 0 },
        from: 1,
        to: 2,
        limit: 10,
        subject: 's',
      }),
    ).toBe(
      "SELECT DISTINCT g0 AS v FROM meter_rows WHERE meter_id = 'm' AND account_id = 'a' AND time >= 1 AND time < 2 AND g0 IS NOT NULL AND sb IN (45966) AND subject = 's' ORDER BY v LIMIT 10",
    );
  });

  it('states the subject buckets of subject filters on a conjunction path, so row groups are skipped', () => {
    const sub = { kind: 'subject' } as const;
    expect(
      compileNumeric({ ...base, groupBy: [], filter: { op: 'eq', dim: sub, value: 'a' } }),
    ).toBe(
      "SELECT ((time - 0) // 3600000) AS w, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND sb IN (52512) AND subject = 'a' GROUP BY w",
    );
    expect(
      compileUnique({
        ...base,
        groupBy: [],
        filter: {
          op: 'and',
          children: [
            { op: 'eq', dim: { kind: 'dim', slot: 0 }, value: 'x' },
            { op: 'in', dim: sub, values: ['', 'a', ''] },
          ],
        },
      }),
    ).toBe(
      "SELECT ((time - 0) // 3600000) AS w, count(DISTINCT value_text) AS u FROM meter_rows WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND sb IN (7385, 52512) AND (g0 = 'x' AND subject IN ('', 'a', '')) GROUP BY w",
    );
    // An alternative of subjects, or too many of them, is left to the subject filter alone.
    const or = compileNumeric({
      ...base,
      groupBy: [],
      filter: {
        op: 'or',
        children: [
          { op: 'eq', dim: sub, value: 'a' },
          { op: 'eq', dim: { kind: 'dim', slot: 0 }, value: 'x' },
        ],
      },
    });
    expect(or).not.toContain('sb IN');
    const many = Array.from({ length: 65 }, (_, i) => `s${i}`);
    expect(compileNumeric({ ...base, filter: { op: 'in', dim: sub, values: many } })).not.toContain(
      'sb IN',
    );
  });

  it('filters: every operator, nesting, empty lists', () => {
    const sub = { kind: 'subject' } as const;
    expect(
      filterExpr({
        op: 'and',
        children: [
          { op: 'in', dim: sub, values: ['a', "b'c"] },
          {
            op: 'or',
            children: [
              { op: 'like', dim: { kind: 'dim', slot: 1 }, value: 'gpt%' },
              { op: 'nilike', dim: sub, value: 'X%' },
            ],
          },
          { op: 'nin', dim: sub, values: [] },
          { op: 'in', dim: sub, values: [] },
          { op: 'gte', dim: sub, value: 'm' },
        ],
      }),
    ).toBe(
      "(subject IN ('a', 'b''c') AND (g1 LIKE 'gpt%' OR subject NOT ILIKE 'X%') AND TRUE AND FALSE AND subject >= 'm')",
    );
  });

  it('quotes every value through one function and rejects out-of-set identifiers', () => {
    expect(lit("'; DROP TABLE events; --")).toBe("'''; DROP TABLE events; --'");
    expect(lit('a\u0000b')).toBe("'a' || chr(0) || 'b'");
    expect(lit(null)).toBe('NULL');
    expect(() => lit(Number.NaN)).toThrow();
    expect(() => compileNumeric({ ...base, groupBy: [{ kind: 'dim', slot: 16 }] })).toThrow(/slot/);
  });

  it('reads an ad-hoc meter from the raw events (golden), values quoted, no subject bucket', () => {
    const count: BaseUsageQuery = {
      ...base,
      groupBy: [],
      bucket: { kind: 'all' },
      filter: { op: 'eq', dim: { kind: 'subject' }, value: 's' },
      source: { eventType: "t'x", aggregation: 'COUNT', dims: [], eventFrom: 1500 },
    };
    expect(compileNumeric(count)).toBe(
      "SELECT 0 AS w, count(value) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM (SELECT 'm1' AS meter_id, account_id, time, subject, CAST(1 AS DOUBLE) AS value, CAST(NULL AS VARCHAR) AS value_text FROM (SELECT * FROM (SELECT account_id, time, subject FROM events WHERE account_id = 'acc' AND type = 't''x' AND time >= 1500 AND time < 2000 AND NOT EXISTS (SELECT 1 FROM event_voids v WHERE v.account_id = events.account_id AND v.source = events.source AND v.id = events.id AND v.ingested_at = events.ingested_at)))) WHERE meter_id = 'm1' AND account_id = 'acc' AND time >= 1000 AND time < 2000 AND subject = 's' GROUP BY w",
    );
    const sum = compileNumeric({
      ...base,
      groupBy: [{ kind: 'dim', slot: 0 }],
      source: {
        eventType: 't',
        aggregation: 'SUM',
        value: ['event_metadata', 'cached_tokens'],
        dims: [['tags', 'org', 'team']],
      },
    });
    expect(sum).toContain(
      "json_extract(CASE WHEN contains(data, '\\u') THEN replace(regexp_replace(replace(data, '\\\\', chr(1)), '\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\\\\ufffd', 'g'), chr(1), '\\\\') ELSE data END, ['/event_metadata/cached_tokens', '/tags/org/team']) AS j FROM events WHERE account_id = 'acc' AND type = 't' AND time >= 1000 AND time < 2000",
    );
    expect(sum).toContain(
      'CASE WHEN isfinite(rv) AND abs(rv) <= 9007199254740991 THEN rv END AS value',
    );
    expect(sum).toMatch(/ AS g0 FROM \(SELECT \*, CASE WHEN json_type\(j\[1\]\)/);
    expect(sum).not.toContain('sb IN');
  });
});
