// The shared dedupe verdict rule alone (the protocol against real servers is in test/clickhouse/).
import { describe, expect, it } from 'vitest';
import type { KeyRow } from './key-rows.js';
import { judge } from './shared-dedupe.js';

function row(token: string, state: number, at: number): KeyRow {
  return { account_id: 'a', source: 's', id: 'i', token, state, at: String(at) };
}

const GRACE = 200;
const stale = 1_000;
/** Our claim, acknowledged `latency` ms after it was sent at 2000. */
const me = (latency = 10) => ({ token: 'me', acked: 2000 + latency });

describe('shared dedupe judge', () => {
  it('owns a key nobody else claimed', () => {
    expect(judge([row('me', 0, 2000)], me(), stale, GRACE)).toBe('own');
  });
  it('is a duplicate once another token committed', () => {
    const rows = [row('x', 0, 1500), row('x', 1, 1600), row('me', 0, 2000)];
    expect(judge(rows, me(), stale, GRACE)).toBe('duplicate');
  });
  it('waits for an earlier live claim', () => {
    expect(judge([row('x', 0, 1500), row('me', 0, 2000)], me(), stale, GRACE)).toBe('wait');
  });
  it('ignores released and stale claims', () => {
    const released = [row('x', 0, 1500), row('x', 2, 1600), row('me', 0, 2000)];
    expect(judge(released, me(), stale, GRACE)).toBe('own');
    expect(judge([row('x', 0, 900), row('me', 0, 2000)], me(), stale, GRACE)).toBe('own');
  });
  it('breaks equal times by token, the same way for every process', () => {
    const rows = [row('b', 0, 2000), row('a', 0, 2000)];
    expect(judge(rows, { token: 'a', acked: 2010 }, stale, GRACE)).toBe('own');
    expect(judge(rows, { token: 'b', acked: 2010 }, stale, GRACE)).toBe('wait');
  });
  it('keeps a slow claim that no later claim can have overtaken', () => {
    // Acknowledged 5 s late, but nobody else claimed: still ours (the old rule gave up).
    expect(judge([row('me', 0, 2000)], me(5000), stale, GRACE)).toBe('own');
    // A later claim sent after ours was acknowledged saw ours: it waits, we own.
    expect(judge([row('me', 0, 2000), row('y', 0, 7000)], me(5000), stale, GRACE)).toBe('own');
  });
  it('yields to a later claim that may have decided before a slow claim was visible', () => {
    // y claimed at 2100 and read at 2300, before ours (acknowledged at 2400) was surely visible.
    const rows = [row('me', 0, 2000), row('y', 0, 2100)];
    expect(judge(rows, me(400), stale, GRACE)).toBe('yield');
    // Released, it no longer counts.
    expect(judge([...rows, row('y', 2, 2500)], me(400), stale, GRACE)).toBe('own');
  });
  it('never yields when its own claim was fast (acknowledged within grace/2)', () => {
    for (let later = 0; later <= 300; later += 10) {
      const rows = [row('me', 0, 2000), row('y', 0, 2000 + later)];
      expect(judge(rows, me(GRACE / 2), stale, GRACE)).toBe('own');
    }
  });
});
