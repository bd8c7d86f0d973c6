import { describe, expect, it } from 'vitest';
import { parseZone } from '../../../lib/time/zone.js';
import type { BaseUsageQuery, Bucketing, FilterNode } from '../../../query/planned-query.js';
import type { WindowSize } from '../../../query/usage-query.js';
import { bucketingFor, enumerateWindows } from '../../../query/windows.js';
import {
  distinctServes,
  estimateSource,
  numericSource,
  type ReadSource,
  rollupSlot,
  rollupSlotForRange,
  subjectRollupSlot,
  withoutSubjectConditions,
} from './serves.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2024, 2, 1);
const TO = Date.UTC(2024, 4, 1);

/** The bucketing the planner would hand the store for windows of `size` in `zone`. */
function planned(size: WindowSize, zone: string, from = FROM, to = TO): Bucketing {
  const z = parseZone(zone);
  if (!z) throw new Error(zone);
  return bucketingFor(enumerateWindows(from, to, size, z), size, z);
}

function query(over: Partial<BaseUsageQuery> = {}): BaseUsageQuery {
  return {
    accountId: 'a',
    meterId: 'm',
    from: FROM,
    to: TO,
    bucket: planned('HOUR', 'UTC'),
    groupBy: [],
    ...over,
  };
}

describe('rollupSlot: which queries the 15-minute rollup answers', () => {
  it.each<[WindowSize, string]>([
    ['FIFTEEN_MINUTES', 'UTC'],
    ['FIFTEEN_MINUTES', 'Asia/Kathmandu'],
    ['HOUR', 'Asia/Kolkata'],
    ['HOUR', 'Europe/Berlin'],
    ['DAY', 'Asia/Kathmandu'],
    ['DAY', '-03:30'],
    ['DAY', 'America/St_Johns'],
    ['DAY', 'Europe/Berlin'],
    ['WEEK', 'Australia/Lord_Howe'],
    ['MONTH', 'Asia/Kolkata'],
    ['YEAR', 'America/New_York'],
  ])('serves %s windows in %s', (size, zone) => {
    expect(rollupSlot(query({ bucket: planned(size, zone) }))).toBe('none');
  });

  it('serves the whole range as one window', () => {
    expect(rollupSlot(query({ bucket: { kind: 'all' } }))).toBe('none');
  });

  it('refuses minute windows', () => {
    expect(rollupSlot(query({ bucket: planned('MINUTE', 'UTC', FROM, FROM + HOUR) }))).toBe(
      undefined,
    );
  });

  it('refuses a range that starts or ends inside a quarter hour', () => {
    expect(rollupSlot(query({ from: FROM + 60_000 }))).toBe(undefined);
    expect(rollupSlot(query({ to: TO - 1 }))).toBe(undefined);
    expect(rollupSlot(query({ from: FROM + 60_000, bucket: { kind: 'all' } }))).toBe(undefined);
  });

  it('refuses windows whose edges are not on quarter hours', () => {
    // Kolkata's offset was +5:53:28 (local mean time) in 1900; '+00:20' is a fixed zone.
    const lmt = Date.UTC(1900, 0, 1);
    for (const bucket of [
      planned('DAY', 'Asia/Kolkata', lmt, lmt + 10 * 24 * HOUR),
      planned('DAY', '+00:20'),
      planned('MONTH', '+00:20'),
    ]) {
      expect(rollupSlot(query({ bucket }))).toBe(undefined);
    }
    expect(planned('MONTH', '+00:20').kind).toBe('calendar');
    const month = planned('MONTH', 'Europe/Berlin');
    if (month.kind !== 'calendar') throw new Error('expected calendar windows');
    const shifted = month.offsets.map((s, i) => (i === 1 ? { ...s, from: s.from + 60_000 } : s));
    expect(rollupSlot(query({ bucket: month }))).toBe('none');
    expect(rollupSlot(query({ bucket: { ...month, offsets: shifted } }))).toBe(undefined);
    expect(
      rollupSlot(query({ bucket: { kind: 'uniform', origin: FROM, width: 20 * 60_000 } })),
    ).toBe(undefined);
  });

  it('refuses rows before a window origin or local day zero (integer division truncates)', () => {
    expect(
      rollupSlot(query({ bucket: { kind: 'uniform', origin: FROM + HOUR, width: HOUR } })),
    ).toBe(undefined);
    const early = planned('MONTH', 'America/St_Johns', 0, 40 * 24 * HOUR);
    expect(early.kind).toBe('calendar');
    expect(rollupSlot(query({ from: 0, to: 40 * 24 * HOUR, bucket: early }))).toBe(undefined);
  });

  it('reads the one dimension slot grouped or filtered on, never two', () => {
    const dim = (slot: number) => ({ kind: 'dim', slot }) as const;
    expect(
      rollupSlot(
        query({
          groupBy: [dim(3)],
          filter: {
            op: 'and',
            children: [
              { op: 'ne', dim: dim(3), value: 's' },
              { op: 'or', children: [{ op: 'like', dim: dim(3), value: 'a%' }] },
            ],
          },
        }),
      ),
    ).toBe(3);
    expect(rollupSlot(query({ groupBy: [dim(0), dim(1)] }))).toBe(undefined);
    expect(
      rollupSlot(
        query({
          groupBy: [dim(0)],
          filter: { op: 'or', children: [{ op: 'in', dim: dim(1), values: ['x'] }] },
        }),
      ),
    ).toBe(undefined);
    expect(rollupSlot(query({ groupBy: [dim(2)] }), 2)).toBe(undefined);
    expect(rollupSlot(query({ groupBy: [dim(1)] }), 2)).toBe(1);
  });

  it('refuses every query that groups or filters by subject (the rollup keeps none)', () => {
    const subject = { kind: 'subject' } as const;
    const dim = { kind: 'dim', slot: 3 } as const;
    expect(rollupSlot(query({ groupBy: [subject] }))).toBe(undefined);
    expect(rollupSlot(query({ groupBy: [subject, dim] }))).toBe(undefined);
    const bound: FilterNode = {
      op: 'and',
      children: [
        { op: 'eq', dim: subject, value: 's' },
        { op: 'or', children: [{ op: 'like', dim, value: 'a%' }] },
      ],
    };
    expect(rollupSlot(query({ groupBy: [dim], filter: bound }))).toBe(undefined);
    expect(rollupSlot(query({ filter: { op: 'nin', dim: subject, values: [] } }))).toBe(undefined);
    expect(rollupSlotForRange({ ...query(), groupBy: [subject] })).toBe(undefined);
  });

  it('answers range-only questions (group estimates) by range and slots alone', () => {
    const q = { accountId: 'a', meterId: 'm', from: FROM, to: TO, groupBy: [] };
    expect(rollupSlotForRange({ ...q, groupBy: [{ kind: 'dim', slot: 4 }] })).toBe(4);
    expect(rollupSlotForRange({ ...q, to: TO + 1 })).toBe(undefined);
  });
});

describe('numericSource and estimateSource: rollup or raw rows (golden)', () => {
  const subject = { kind: 'subject' } as const;
  const dim = (slot: number) => ({ kind: 'dim', slot }) as const;
  const cases: [string, BaseUsageQuery, number | undefined, ReadSource, ReadSource][] = [
    [
      'total, ready',
      query({}),
      2,
      { from: 'rollup', slot: 'none' },
      { from: 'rollup', slot: 'none' },
    ],
    ['total, not ready', query({}), undefined, { from: 'raw' }, { from: 'raw' }],
    [
      'by slot 1',
      query({ groupBy: [dim(1)] }),
      2,
      { from: 'rollup', slot: 1 },
      { from: 'rollup', slot: 1 },
    ],
    ['by undeclared slot 2', query({ groupBy: [dim(2)] }), 2, { from: 'raw' }, { from: 'raw' }],
    ['by two slots', query({ groupBy: [dim(0), dim(1)] }), 2, { from: 'raw' }, { from: 'raw' }],
    ['by subject', query({ groupBy: [subject] }), 2, { from: 'raw' }, { from: 'raw' }],
    [
      'one subject (a subject-bound key)',
      query({ filter: { op: 'eq', dim: subject, value: 'cust' } }),
      2,
      { from: 'raw' },
      { from: 'raw' },
    ],
    [
      'minute windows',
      query({ bucket: planned('MINUTE', 'UTC', FROM, FROM + HOUR) }),
      2,
      { from: 'raw' },
      { from: 'rollup', slot: 'none' },
    ],
    ['unaligned range', query({ to: TO - 1 }), 2, { from: 'raw' }, { from: 'raw' }],
    [
      'months in Kathmandu by slot 0',
      query({ bucket: planned('MONTH', 'Asia/Kathmandu'), groupBy: [dim(0)] }),
      1,
      { from: 'rollup', slot: 0 },
      { from: 'rollup', slot: 0 },
    ],
  ];
  it.each(cases)('%s', (_, q, ready, numeric, estimate) => {
    expect(numericSource(q, ready)).toEqual(numeric);
    expect(estimateSource(q, ready)).toEqual(estimate);
  });

  it('reads raw rows for a slot dropped from the rollup, and the rollup for the others', () => {
    const bySlot = (slot: number) =>
      query({ bucket: planned('MONTH', 'Asia/Kathmandu'), groupBy: [dim(slot)] });
    const dropped = new Set([1]);
    expect(numericSource(bySlot(1), 3, dropped)).toEqual({ from: 'raw' });
    expect(estimateSource(bySlot(1), 3, dropped)).toEqual({ from: 'raw' });
    expect(numericSource(bySlot(0), 3, dropped)).toEqual({ from: 'rollup', slot: 0 });
    expect(numericSource(query({}), 3, dropped)).toEqual({ from: 'rollup', slot: 'none' });
  });
});

describe('withoutSubjectConditions: a wider query whose groups bound those of a per-subject one', () => {
  const subject: FilterNode = { op: 'in', dim: { kind: 'subject' }, values: ['s1'] };
  const model: FilterNode = { op: 'eq', dim: { kind: 'dim', slot: 0 }, value: 'small' };
  const base = { accountId: 'a', meterId: 'm', from: FROM, to: TO };

  it('drops subject conditions ANDed with the rest, nested ANDs included', () => {
    expect(
      withoutSubjectConditions({
        ...base,
        groupBy: [{ kind: 'dim', slot: 0 }],
        filter: { op: 'and', children: [{ op: 'and', children: [subject] }, model] },
      }),
    ).toEqual({
      ...base,
      groupBy: [{ kind: 'dim', slot: 0 }],
      filter: { op: 'and', children: [model] },
    });
    expect(
      withoutSubjectConditions({ ...base, groupBy: [{ kind: 'dim', slot: 0 }], filter: subject }),
    ).toEqual({ ...base, groupBy: [{ kind: 'dim', slot: 0 }] });
    // A conjunct that mixes the subject with other conditions goes whole (still only wider).
    expect(
      withoutSubjectConditions({
        ...base,
        groupBy: [{ kind: 'dim', slot: 0 }],
        filter: { op: 'and', children: [{ op: 'or', children: [subject, model] }, model] },
      }),
    ).toEqual({
      ...base,
      groupBy: [{ kind: 'dim', slot: 0 }],
      filter: { op: 'and', children: [model] },
    });
  });

  it('gives none where the subject stays read or nothing is dropped', () => {
    // Grouped by subject: the bound would be every subject's groups.
    expect(
      withoutSubjectConditions({ ...base, groupBy: [{ kind: 'subject' }], filter: subject }),
    ).toBeUndefined();
    expect(
      withoutSubjectConditions({ ...base, groupBy: [{ kind: 'dim', slot: 0 }], filter: model }),
    ).toBeUndefined();
  });
});

describe('distinctServes: which unique queries the daily distinct values answer', () => {
  const DAY = 24 * HOUR;

  it.each<[WindowSize, string]>([
    ['DAY', 'UTC'],
    ['WEEK', 'UTC'],
    ['MONTH', 'UTC'],
    ['YEAR', 'UTC'],
    ['DAY', '+00:00'],
  ])('serves %s windows in %s, and first-seen periods of months', (size, zone) => {
    expect(distinctServes(query({ bucket: planned(size, zone) }))).toBe(true);
    expect(distinctServes(query({ bucket: planned(size, zone) }), planned('MONTH', zone))).toBe(
      true,
    );
  });

  it.each<[WindowSize, string]>([
    ['HOUR', 'UTC'],
    ['FIFTEEN_MINUTES', 'UTC'],
    ['DAY', 'Europe/Berlin'],
    ['DAY', 'Asia/Kolkata'],
    ['MONTH', 'America/New_York'],
  ])('refuses %s windows in %s (a window edge inside a UTC day)', (size, zone) => {
    expect(distinctServes(query({ bucket: planned(size, zone) }))).toBe(false);
  });

  it('refuses a first-seen period whose edges fall inside a UTC day', () => {
    expect(
      distinctServes(query({ bucket: planned('DAY', 'UTC') }), planned('MONTH', 'Asia/Tokyo')),
    ).toBe(false);
  });

  it('serves the whole range as one window only when it starts and ends at UTC midnights', () => {
    expect(distinctServes(query({ bucket: { kind: 'all' } }))).toBe(true);
    expect(distinctServes(query({ bucket: { kind: 'all' }, to: TO - HOUR }))).toBe(false);
    expect(distinctServes(query({ bucket: { kind: 'all' }, from: FROM + HOUR }))).toBe(false);
    expect(
      distinctServes(query({ bucket: { kind: 'all' }, from: -DAY, to: DAY })),
      'times before 1970',
    ).toBe(false);
  });

  it('serves uniform windows of whole days from a UTC midnight only', () => {
    const uniform = (origin: number, width: number): Bucketing => ({
      kind: 'uniform',
      origin,
      width,
    });
    expect(distinctServes(query({ bucket: uniform(FROM, 2 * DAY) }))).toBe(true);
    expect(distinctServes(query({ bucket: uniform(FROM, 36 * HOUR) }))).toBe(false);
    expect(distinctServes(query({ bucket: uniform(FROM + HOUR, DAY) }))).toBe(false);
  });

  it('refuses any grouping or filter: the rows keep neither subject nor dimensions', () => {
    const bucket = planned('DAY', 'UTC');
    expect(distinctServes(query({ bucket, groupBy: [{ kind: 'dim', slot: 0 }] }))).toBe(false);
    expect(distinctServes(query({ bucket, groupBy: [{ kind: 'subject' }] }))).toBe(false);
    const filter: FilterNode = { op: 'eq', dim: { kind: 'subject' }, value: 'cust_1' };
    expect(distinctServes(query({ bucket, filter }))).toBe(false);
  });
});

describe('subjectRollupSlot: queries confined to named subjects, for the per-subject rows', () => {
  const one: FilterNode = { op: 'eq', dim: { kind: 'subject' }, value: 'c1' };
  const two: FilterNode = { op: 'in', dim: { kind: 'subject' }, values: ['c1', "c'2"] };
  const dim0 = { kind: 'dim', slot: 0 } as const;

  it('names the subjects and the slot when the windows align', () => {
    expect(subjectRollupSlot(query({ filter: one }), 2)).toEqual({
      slot: 'none',
      subjects: ['c1'],
    });
    expect(
      subjectRollupSlot(query({ filter: two, groupBy: [{ kind: 'subject' }, dim0] }), 2),
    ).toEqual({ slot: 0, subjects: ['c1', "c'2"] });
    const nested: FilterNode = {
      op: 'and',
      children: [{ op: 'eq', dim: dim0, value: 'x' }, one],
    };
    expect(
      subjectRollupSlot(query({ filter: nested, bucket: planned('DAY', '+05:45') }), 1),
    ).toEqual({ slot: 0, subjects: ['c1'] });
  });

  it('refuses what the rows cannot answer', () => {
    // No subject named, or only in an OR; more than 64 subjects.
    expect(subjectRollupSlot(query(), 2)).toBeUndefined();
    expect(
      subjectRollupSlot(
        query({ filter: { op: 'or', children: [one, { op: 'eq', dim: dim0, value: 'x' }] } }),
        2,
      ),
    ).toBeUndefined();
    const many = Array.from({ length: 65 }, (_, i) => `c${i}`);
    expect(
      subjectRollupSlot(query({ filter: { op: 'in', dim: { kind: 'subject' }, values: many } }), 2),
    ).toBeUndefined();
    // Two slots; a slot the meter does not declare; a window edge inside a quarter hour.
    expect(
      subjectRollupSlot(query({ filter: one, groupBy: [dim0, { kind: 'dim', slot: 1 }] }), 2),
    ).toBeUndefined();
    expect(subjectRollupSlot(query({ filter: one, groupBy: [dim0] }), 0)).toBeUndefined();
    expect(
      subjectRollupSlot(
        query({
          filter: one,
          bucket: planned('MINUTE', 'UTC', FROM, FROM + HOUR),
          to: FROM + HOUR,
        }),
        2,
      ),
    ).toBeUndefined();
    expect(subjectRollupSlot(query({ filter: one, from: FROM + 60_000 }), 2)).toBeUndefined();
  });
});
