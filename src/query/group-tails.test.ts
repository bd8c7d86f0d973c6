// Group-by tails in the domain: the ranking and its tie-break (written out by hand here), the
// planner's key-set filter and its refusal of a limit without groupBy, and the three queries the
// orchestration runs, seen through a fake runner.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-errors.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import { queryGroupTails, topKeys } from './group-tails.js';
import { planUsage } from './planner.js';
import type { UsageQuery, UsageResult, UsageRow } from './usage-query.js';

const meter: MeterDefinition = {
  id: 'm1',
  accountId: 'a1',
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'completion',
  valueProperty: '$.tokens',
  dimensions: [['model', '$.model']],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const q: UsageQuery = {
  meterSlug: 'tokens',
  from: 0,
  to: 1000,
  timeZone: 'UTC',
  groupBy: ['subject', 'model'],
  subjects: [],
  filters: {},
  mode: { kind: 'incremental' },
  fillZero: false,
};

const row = (subject: string | null, model: string | null, value: number): UsageRow => ({
  windowStart: 0,
  windowEnd: 1000,
  subject,
  groupBy: { model },
  value,
});

describe('group-by tails', () => {
  it('ranks by value, ties by key with a missing value first', () => {
    const rows = [
      row('b', 'x', 5),
      row('a', 'y', 5),
      row('a', null, 5),
      row(null, 'z', 5),
      row('c', 'c', 9),
      row('a', 'B', 5),
    ];
    expect(topKeys(rows, ['subject', 'model'], 4)).toEqual([
      ['c', 'c'],
      [null, 'z'],
      ['a', null],
      ['a', 'B'],
    ]);
  });

  it('plans a key set as a filter, and refuses a limit without groupBy', () => {
    const plan = planUsage(meter, {
      ...q,
      keySet: { dimensions: ['subject', 'model'], keys: [['s', null]], except: true },
    });
    expect(plan.store.filter).toEqual({
      op: 'notKeys',
      dims: [{ kind: 'subject' }, { kind: 'dim', slot: 0 }],
      keys: [['s', null]],
    });
    expect(() => planUsage(meter, { ...q, groupBy: [], limit: 3 })).toThrow(ValidationError);
  });

  it('runs rank, top and other; the other rows are marked and carry no group values', async () => {
    const seen: UsageQuery[] = [];
    const answer = (rows: UsageRow[]): UsageResult => ({
      from: 0,
      to: 1000,
      timeZone: 'UTC',
      rows,
    });
    const run = async (one: UsageQuery): Promise<UsageResult> => {
      seen.push(one);
      if (seen.length === 1) return answer([row('a', 'x', 3), row('b', null, 7), row('c', 'x', 1)]);
      if (seen.length === 2) return answer([row('b', null, 7), row('a', 'x', 3)]);
      return answer([{ windowStart: 0, windowEnd: 1000, subject: null, groupBy: {}, value: 1 }]);
    };
    const result = await queryGroupTails(run, { ...q, windowSize: 'HOUR', limit: 2 });
    expect(seen[0]).not.toHaveProperty('windowSize');
    expect(seen[0]).not.toHaveProperty('limit');
    const keys = [
      ['b', null],
      ['a', 'x'],
    ];
    expect(seen[1]?.keySet).toEqual({ dimensions: ['subject', 'model'], keys, except: false });
    expect(seen[1]?.windowSize).toBe('HOUR');
    expect(seen[2]?.keySet).toEqual({ dimensions: ['subject', 'model'], keys, except: true });
    expect(seen[2]?.groupBy).toEqual([]);
    expect(result.rows.at(-1)).toEqual({
      windowStart: 0,
      windowEnd: 1000,
      subject: null,
      groupBy: { model: null },
      value: 1,
      other: true,
    });
  });

  it('answers the plain query when the limit covers every group', async () => {
    const seen: UsageQuery[] = [];
    const run = async (one: UsageQuery): Promise<UsageResult> => {
      seen.push(one);
      return { from: 0, to: 1000, timeZone: 'UTC', rows: [row('a', 'x', 3)] };
    };
    const result = await queryGroupTails(run, { ...q, limit: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toHaveProperty('keySet');
    expect(result.rows.some((r) => r.other)).toBe(false);
  });
});
