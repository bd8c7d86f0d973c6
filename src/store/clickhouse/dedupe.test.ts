// The dedupe verdict rule alone (the protocol against real servers is in test/clickhouse/).
import { describe, expect, it } from 'vitest';
import { judge, type KeyRow } from './dedupe.js';

function row(token: string, state: number, at: number): KeyRow {
  return { account_id: 'a', source: 's', id: 'i', token, state, at: String(at) };
}

describe('dedupe judge', () => {
  const stale = 1_000;
  it('owns a key nobody else claimed', () => {
    expect(judge([row('me', 0, 2000)], 'me', 2000, stale)).toBe('own');
  });
  it('is a duplicate once another token committed', () => {
    expect(
      judge([row('x', 0, 1500), row('x', 1, 1600), row('me', 0, 2000)], 'me', 2000, stale),
    ).toBe('duplicate');
  });
  it('waits for an earlier live claim', () => {
    expect(judge([row('x', 0, 1500), row('me', 0, 2000)], 'me', 2000, stale)).toBe('wait');
  });
  it('ignores released and stale claims', () => {
    expect(
      judge([row('x', 0, 1500), row('x', 2, 1600), row('me', 0, 2000)], 'me', 2000, stale),
    ).toBe('own');
    expect(judge([row('x', 0, 900), row('me', 0, 2000)], 'me', 2000, stale)).toBe('own');
  });
  it('breaks equal times by token, the same way for every process', () => {
    const rows = [row('b', 0, 2000), row('a', 0, 2000)];
    expect(judge(rows, 'a', 2000, stale)).toBe('own');
    expect(judge(rows, 'b', 2000, stale)).toBe('wait');
  });
});
