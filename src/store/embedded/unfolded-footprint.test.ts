import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../ingest/stored-event.js';
import { footprintOf, subjectsOf, touches } from './unfolded-footprint.js';

const at = (accountId: string, subject: string, time: number): IngestItem => ({
  event: {
    accountId,
    id: `${subject}-${time}`,
    source: 's',
    type: 't',
    subject,
    time,
    ingestedAt: 0,
    data: 'null',
  },
  rows: [],
});

describe('unfolded footprint', () => {
  const fp = footprintOf([at('a', 'x', 100), at('a', 'y', 300), at('b', 'z', 50)]);

  it('touches a scope of the same account whose range meets its span, [from, to) as rows are read', () => {
    expect(touches(fp, { accountId: 'a', from: 0, to: 101 })).toBe(true);
    expect(touches(fp, { accountId: 'a', from: 300, to: 400 })).toBe(true);
    expect(touches(fp, { accountId: 'a', from: 0, to: 100 })).toBe(false);
    expect(touches(fp, { accountId: 'a', from: 301, to: 400 })).toBe(false);
    expect(touches(fp, { accountId: 'c', from: 0, to: 1000 })).toBe(false);
  });

  it('touches a subject scope only through one of its subjects', () => {
    expect(touches(fp, { accountId: 'a', from: 0, to: 1000, subjects: new Set(['y']) })).toBe(true);
    expect(touches(fp, { accountId: 'a', from: 0, to: 1000, subjects: new Set(['z']) })).toBe(
      false,
    );
    expect(touches(fp, { accountId: 'b', from: 0, to: 1000, subjects: new Set(['z']) })).toBe(true);
  });

  it('reads the subjects a filter confines rows to from its ANDed eq and in conditions', () => {
    const subject = { kind: 'subject' } as const;
    expect(subjectsOf(undefined)).toBeUndefined();
    expect(subjectsOf({ op: 'eq', dim: { kind: 'dim', slot: 0 }, value: 'x' })).toBeUndefined();
    expect(subjectsOf({ op: 'ne', dim: subject, value: 'x' })).toBeUndefined();
    expect([...(subjectsOf({ op: 'eq', dim: subject, value: 'x' }) ?? [])]).toEqual(['x']);
    const both = subjectsOf({
      op: 'and',
      children: [
        { op: 'in', dim: subject, values: ['x', 'y', 'z'] },
        { op: 'eq', dim: { kind: 'dim', slot: 1 }, value: 'v' },
        { op: 'in', dim: subject, values: ['y', 'z', 'w'] },
      ],
    });
    expect([...(both ?? [])].sort()).toEqual(['y', 'z']);
    // Under an OR a subject condition confines nothing.
    expect(
      subjectsOf({
        op: 'or',
        children: [
          { op: 'eq', dim: subject, value: 'x' },
          { op: 'eq', dim: { kind: 'dim', slot: 0 }, value: 'v' },
        ],
      }),
    ).toBeUndefined();
  });
});
