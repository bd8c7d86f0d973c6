// The in-process dedupe of one Tally process, on a stand-in connection: which flush owns an
// identity follows from the order of claims and the outcome of earlier holders, never from time.
import { describe, expect, it } from 'vitest';
import type { ChConnection } from './client.js';
import type { EventKey } from './key-rows.js';
import { LocalDedupe } from './local-dedupe.js';

/** Answers every read of event_keys with the rows of `committedIds`; records commit inserts. */
function fakeConnection(committedIds: string[] = []) {
  const commits: string[] = [];
  let reads = 0;
  const conn: ChConnection = {
    url: 'fake:',
    async exec<T>(sql: string): Promise<T[]> {
      reads++;
      return committedIds
        .filter((id) => sql.includes(`'${id}'`))
        .map((id) => ({ account_id: 'a', source: 's', id, token: 't', state: 1, at: '0' }) as T);
    },
    insert: async () => undefined,
    async insertTsv(_table, _columns, body) {
      commits.push(body);
    },
    close: async () => undefined,
  };
  return { conn, commits, reads: () => reads };
}

const keys = (...ids: string[]): EventKey[] =>
  ids.map((id) => ({ accountId: 'a', source: 's', id }));

describe('local dedupe (one Tally process)', () => {
  it('makes a later claim of the same identity wait for the earlier one, then call it a duplicate', async () => {
    const { conn } = fakeConnection();
    const d = new LocalDedupe(conn, {});
    const first = await d.claim(keys('x', 'y'));
    const second = await d.claim(keys('y', 'z'));
    let secondDecided = false;
    const secondDecision = d.decide(keys('y', 'z'), second).then((r) => {
      secondDecided = true;
      return r;
    });
    expect((await d.decide(keys('x', 'y'), first)).owned).toEqual([true, true]);
    await Promise.resolve();
    expect(secondDecided).toBe(false);
    await d.commitMany([{ keys: keys('x', 'y'), token: first.token }]);
    expect((await secondDecision).owned).toEqual([false, true]);
  });

  it('gives the identity to the next claim when the earlier holder released it', async () => {
    const { conn, reads } = fakeConnection();
    const d = new LocalDedupe(conn, {});
    const first = await d.claim(keys('x'));
    const second = await d.claim(keys('x'));
    expect((await d.decide(keys('x'), first)).owned).toEqual([true]);
    const readsBefore = reads();
    await d.release(keys('x'), first.token);
    expect((await d.decide(keys('x'), second)).owned).toEqual([true]);
    // Read again after the release: a commit that timed out may still have landed.
    expect(reads()).toBe(readsBefore + 1);
  });

  it('calls an identity already committed in ClickHouse a duplicate', async () => {
    const { conn, commits } = fakeConnection(['old']);
    const d = new LocalDedupe(conn, {});
    const c = await d.claim(keys('old', 'new'));
    const decision = await d.decide(keys('old', 'new'), c);
    expect(decision.owned).toEqual([false, true]);
    await d.commitMany([{ keys: keys('new'), token: c.token }]);
    expect(commits).toHaveLength(1);
    expect(commits[0]).toContain('new');
    expect(commits[0]).not.toContain('old');
  });
});
