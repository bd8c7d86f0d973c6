// Slot ownership through a real ZooKeeper (zk-server.ts starts one of its own). Nothing here waits
// on a timer: every wait is for a condition, re-checked on the members' change notifications, with
// vitest's testTimeout as the only bound.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  IntentTooLargeError,
  SlotNotHeldError,
} from '../../src/store/clickhouse/coordination/slot-errors.js';
import {
  createFencedIntent,
  MAX_INTENT_BYTES,
} from '../../src/store/clickhouse/coordination/slot-intents.js';
import {
  type SlotLossReason,
  SlotOwnership,
} from '../../src/store/clickhouse/coordination/slot-ownership.js';
import { ZkError } from '../../src/store/clickhouse/coordination/zk-error.js';
import { ZkSession, type ZkState } from '../../src/store/clickhouse/coordination/zk-session.js';
import { skipZooKeeper, startZooKeeper, stopZooKeeper, ZkProxy } from './zk-server.js';

const SLOTS = 16;
// Long enough that no session expires by itself during a test: expiries here are forced.
const SESSION_TIMEOUT_MS = 20_000;
const skip = skipZooKeeper();

let zk = '';
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (!skip) zk = await startZooKeeper();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  if (!skip) await stopZooKeeper();
});

async function session(connectString = zk): Promise<ZkSession> {
  const s = await ZkSession.connect(connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS });
  cleanups.push(() => s.close());
  return s;
}

interface Member {
  own: SlotOwnership;
  /** Every hook call in order, e.g. 'acquired 3 e=123', 'beforeRelease 3', 'lost 3 released'. */
  log: string[];
  lost: { slot: number; reason: SlotLossReason }[];
  /** What onAcquired found in the slot's intents, by slot. */
  intentsSeen: Map<number, string[]>;
}

async function member(namespace: string, memberId: string, connectString = zk): Promise<Member> {
  const s = await session(connectString);
  const log: string[] = [];
  const lost: Member['lost'] = [];
  const intentsSeen = new Map<number, string[]>();
  const own: SlotOwnership = new SlotOwnership(s, {
    namespace,
    memberId,
    url: `http://${memberId}.test`,
    slots: SLOTS,
    onAcquired: async (slot, epoch) => {
      log.push(`acquired ${slot} e=${epoch}`);
      // The slot must not count as owned before this hook has finished.
      if (own.owns(slot) !== undefined) log.push(`owned early ${slot}`);
      const intents = await own.listIntents(slot);
      intentsSeen.set(
        slot,
        intents.map((i) => i.payload.toString()),
      );
    },
    beforeRelease: (slot) => {
      log.push(`beforeRelease ${slot}`);
    },
    onLost: (slot, reason) => {
      log.push(`lost ${slot} ${reason}`);
      lost.push({ slot, reason });
    },
    onError: (error) => log.push(`error ${String(error)}`),
  });
  cleanups.push(() => own.close());
  await own.join();
  return { own, log, lost, intentsSeen };
}

/** Resolves once `predicate` holds, re-checked whenever one of `members` reports a change. */
function until(members: readonly Member[], predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stops: (() => void)[] = [];
    let settled = false;
    const check = () => {
      if (settled || !predicate()) return;
      settled = true;
      for (const stop of stops) stop();
      resolve();
    };
    for (const m of members) stops.push(m.own.onChange(check));
    check();
  });
}

function untilState(s: ZkSession, state: ZkState): Promise<void> {
  return new Promise((resolve) => {
    if (s.state === state) return resolve();
    const stop = s.onState((now) => {
      if (now === state) {
        stop();
        resolve();
      }
    });
  });
}

/**
 * Every slot is owned by exactly one of `members`, each owns `counts[i]` slots, and every member's
 * cache names the actual owner with its epoch.
 */
function splitIs(members: readonly Member[], counts: readonly number[]): boolean {
  for (let slot = 0; slot < SLOTS; slot++) {
    const owners = members.filter((m) => m.own.owns(slot) !== undefined);
    const owner = owners[0];
    if (owners.length !== 1 || !owner) return false;
    for (const m of members) {
      const seen = m.own.ownerOf(slot);
      if (seen?.memberId !== owner.own.memberId || seen.epoch !== owner.own.owns(slot)) {
        return false;
      }
    }
  }
  return members.every((m, i) => m.own.ownedSlots().length === counts[i]);
}

function epochs(m: Member): Map<number, bigint> {
  return new Map(m.own.ownedSlots().map((slot) => [slot, m.own.owns(slot) ?? -1n]));
}

const namespace = () => `test-${randomUUID()}`;

describe.skipIf(skip)('ZkSession', () => {
  it('maps errors to codes and keeps a check of version 0 a version check', async () => {
    const s = await session();
    const root = `/tally/${namespace()}`;
    const path = await s.create(`${root}/a/b`, { data: Buffer.from('x'), parents: true });
    expect(path).toBe(`${root}/a/b`);
    await expect(s.create(path)).rejects.toMatchObject({ code: 'NODE_EXISTS' });
    await expect(s.getData(`${root}/missing`)).rejects.toMatchObject({ code: 'NO_NODE' });
    expect(await s.exists(`${root}/missing`)).toBeUndefined();

    const first = await s.exists(path);
    const eph = await s.create(`${root}/a/e`, { mode: 'ephemeral' });
    const second = await s.exists(eph);
    expect(first?.ephemeralOwner).toBe(0n);
    expect(second?.ephemeralOwner).toBe(s.sessionId);
    expect((second?.czxid ?? 0n) > (first?.czxid ?? 0n)).toBe(true);

    // The library's builder would send version 0 as -1 ("any"): the check must fail here.
    await s.setData(path, Buffer.from('y'));
    const failed = s.multi([
      { type: 'check', path, version: 0 },
      { type: 'create', path: `${root}/a/c` },
    ]);
    await expect(failed).rejects.toMatchObject({ code: 'BAD_VERSION', opIndex: 0 });
    expect(await s.exists(`${root}/a/c`)).toBeUndefined();
    const done = await s.multi([
      { type: 'check', path, version: 1 },
      { type: 'create', path: `${root}/a/s-`, mode: 'persistent-sequential' },
      { type: 'remove', path: eph },
    ]);
    // The suffix is the parent's child version before the create: b and e were created under it.
    expect(done[1]).toEqual({ type: 'create', path: `${root}/a/s-0000000002` });
    expect(await s.exists(eph)).toBeUndefined();
  });

  it('reports a child change to a watch', async () => {
    const s = await session();
    const dir = `/tally/${namespace()}`;
    await s.mkdirp(dir);
    const fired = new Promise((resolve) => {
      void s.getChildren(dir, resolve);
    });
    await s.create(`${dir}/child`);
    expect(await fired).toEqual({ type: 'childrenChanged', path: dir });
  });
});

describe.skipIf(skip)('SlotOwnership', () => {
  it('splits 16 slots over two members, the second taking over with larger epochs', async () => {
    const ns = namespace();
    const a = await member(ns, 'a');
    await until([a], () => splitIs([a], [16]));
    const before = epochs(a);

    const b = await member(ns, 'b');
    await until([a, b], () => splitIs([a, b], [8, 8]));
    for (const [slot, epoch] of epochs(b)) {
      expect(epoch > (before.get(slot) ?? 0n)).toBe(true);
      // a released it gracefully: the hook ran before its loss was reported.
      const hook = a.log.indexOf(`beforeRelease ${slot}`);
      expect(hook).toBeGreaterThanOrEqual(0);
      expect(a.log.indexOf(`lost ${slot} released`)).toBeGreaterThan(hook);
    }
    expect(a.lost.every((l) => l.reason === 'released')).toBe(true);
    expect(a.lost).toHaveLength(8);
    for (const m of [a, b]) {
      expect(m.log.filter((l) => l.startsWith('owned early') || l.startsWith('error'))).toEqual([]);
    }
  });

  it("splits 16 slots over three members and hands a closing member's slots over", async () => {
    const ns = namespace();
    const a = await member(ns, 'a');
    const b = await member(ns, 'b');
    await until([a, b], () => splitIs([a, b], [8, 8]));
    const c = await member(ns, 'c');
    // 16 = 6 + 5 + 5; the extra slot goes to the first id in sorted order. (From 8 + 8, a share
    // of ceil(16 / 3) = 6 for everyone would leave c with 4.)
    await until([a, b, c], () => splitIs([a, b, c], [6, 5, 5]));
    const closing = epochs(b);

    await b.own.close();
    expect(b.own.finished).toBe('closed');
    expect(b.own.ownedSlots()).toEqual([]);
    const closedLost = b.lost.filter((l) => l.reason === 'closed').map((l) => l.slot);
    expect(closedLost.sort((x, y) => x - y)).toEqual([...closing.keys()]);
    for (const slot of closing.keys()) expect(b.log).toContain(`beforeRelease ${slot}`);

    await until([a, c], () => splitIs([a, c], [8, 8]));
    for (const [slot, old] of closing) {
      const now = a.own.owns(slot) ?? c.own.owns(slot);
      expect(now !== undefined && now > old).toBe(true);
    }
  });

  it('keeps its slots across a reconnect', async () => {
    const ns = namespace();
    const proxy = new ZkProxy(zk);
    cleanups.push(() => proxy.close());
    const a = await member(ns, 'a', await proxy.listen());
    await until([a], () => splitIs([a], [16]));
    const before = epochs(a);

    proxy.cut();
    await untilState(a.own.session, 'disconnected');
    proxy.restore();
    await untilState(a.own.session, 'connected');

    expect(epochs(a)).toEqual(before);
    const path = await a.own.createIntent(3, Buffer.from('after reconnect'));
    expect((await a.own.listIntents(3)).map((i) => i.path)).toEqual([path]);
    expect(a.lost).toEqual([]);
  });

  it('on expiry loses every slot, refuses intents, and its intents pass to the new owners', async () => {
    const ns = namespace();
    const proxy = new ZkProxy(zk);
    cleanups.push(() => proxy.close());
    const a = await member(ns, 'a', await proxy.listen());
    const b = await member(ns, 'b');
    const c = await member(ns, 'c');
    await until([a, b, c], () => splitIs([a, b, c], [6, 5, 5]));
    const held = epochs(a);
    const [s1, s2] = [...held.keys()];
    if (s1 === undefined || s2 === undefined) throw new Error('a holds fewer than 2 slots');
    await a.own.createIntent(s1, Buffer.from('one'));
    await a.own.createIntent(s2, Buffer.from('two'));
    await a.own.createIntent(s1, Buffer.from('three'));

    // Keep a's client away, then end its session through a second client with its credentials
    // (ZooKeeper's documented way to force an expiry): its ephemeral nodes go at once.
    proxy.cut();
    await untilState(a.own.session, 'disconnected');
    // a still believes it holds s1: the request waits for a reconnect that will find it expired.
    const stale = a.own.createIntent(s1, Buffer.from('stale'));
    stale.catch(() => {});
    try {
      const thief = await ZkSession.connect(zk, {
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        resume: a.own.session.credentials(),
      });
      await thief.close();
    } catch (error) {
      // Expired by itself already: just as good.
      if (!(error instanceof ZkError && error.code === 'SESSION_EXPIRED')) throw error;
    }

    await until([b, c], () => splitIs([b, c], [8, 8]));
    for (const [slot, old] of held) {
      const now = b.own.owns(slot) ?? c.own.owns(slot);
      expect(now !== undefined && now > old).toBe(true);
    }
    const seen = (slot: number) => b.intentsSeen.get(slot) ?? c.intentsSeen.get(slot);
    expect(seen(s1)).toEqual(['one', 'three']);
    expect(seen(s2)).toEqual(['two']);

    proxy.restore();
    expect(await a.own.done).toBe('expired');
    expect(a.own.session.state).toBe('expired');
    await expect(stale).rejects.toBeInstanceOf(SlotNotHeldError);
    await expect(a.own.createIntent(s1, Buffer.from('late'))).rejects.toBeInstanceOf(
      SlotNotHeldError,
    );
    expect(a.own.ownedSlots()).toEqual([]);
    const expiredLost = a.lost.filter((l) => l.reason === 'expired').map((l) => l.slot);
    expect(expiredLost.sort((x, y) => x - y)).toEqual([...held.keys()]);
    // The new owners still list a's intents: they are persistent, only the slot nodes went.
    const owner = b.own.owns(s1) !== undefined ? b : c;
    expect((await owner.own.listIntents(s1)).map((i) => i.payload.toString())).toEqual([
      'one',
      'three',
    ]);
  });

  it("fences an intent on the holder's fence version, even for a live session", async () => {
    const ns = namespace();
    const a = await member(ns, 'a');
    await until([a], () => splitIs([a], [16]));
    const b = await member(ns, 'b');
    await until([a, b], () => splitIs([a, b], [8, 8]));
    const moved = b.own.ownedSlots()[0];
    if (moved === undefined) throw new Error('b owns nothing');
    // a held `moved` with fence 1 (the first acquisition of a fresh namespace); b's is 2.
    const stale = createFencedIntent(b.own.session, a.own.paths, moved, 1, Buffer.from('x'));
    await expect(stale).rejects.toBeInstanceOf(SlotNotHeldError);
    const fresh = await createFencedIntent(b.own.session, a.own.paths, moved, 2, Buffer.from('y'));
    expect((await b.own.listIntents(moved)).map((i) => i.path)).toEqual([fresh]);
  });

  it('makes a second session of one member id wait until the first is gone', async () => {
    const ns = namespace();
    const first = await member(ns, 'a');
    await until([first], () => splitIs([first], [16]));
    const second = member(ns, 'a');
    // Its join waits on a watch of members/a; closing the first session deletes that node.
    await first.own.close();
    const next = await second;
    expect(first.own.finished).toBe('closed');
    await until([next], () => splitIs([next], [16]));
    expect(next.own.members()).toEqual(['a']);
  });

  it('stores payloads up to MAX_INTENT_BYTES and refuses bigger ones', async () => {
    const ns = namespace();
    const a = await member(ns, 'a');
    await until([a], () => splitIs([a], [16]));
    const big = Buffer.alloc(MAX_INTENT_BYTES, 7);
    const path = await a.own.createIntent(0, big);
    const [listed] = await a.own.listIntents(0);
    expect(listed?.path).toBe(path);
    expect(listed?.payload.equals(big)).toBe(true);
    await expect(a.own.createIntent(0, Buffer.alloc(MAX_INTENT_BYTES + 1))).rejects.toBeInstanceOf(
      IntentTooLargeError,
    );
    await a.own.deleteIntent(path);
    await a.own.deleteIntent(path);
    expect(await a.own.listIntents(0)).toEqual([]);
  });
});
