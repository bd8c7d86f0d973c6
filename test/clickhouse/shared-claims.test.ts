// The multi-process dedupe (TALLY_CLICKHOUSE_WRITERS=shared) when claims are slow: time is injected
// (a clock that jumps, a claim insert held back until another process has decided), never slept.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import type { EventKey } from '../../src/store/clickhouse/dedupe.js';
import { RELEASE } from '../../src/store/clickhouse/key-rows.js';
import { SharedDedupe } from '../../src/store/clickhouse/shared-dedupe.js';
import type { Store } from '../../src/store/ports.js';
import { REQUEST_EPOCH, requestItem } from './request-events.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase, openStore } from './stores.js';

const skip = skipClickHouse();
const GRACE = 200;
/**
 * Clock readings that each jump past grace/2. A claim reads the clock when sent and when
 * acknowledged, and the client reads it a few times per request, so this covers far more than
 * the 6 attempts after which the old protocol failed the batch with "too slow".
 */
const SLOW_READINGS = 300;
const JUMP_MS = GRACE / 2 + 20;

function items(n: number): IngestItem[] {
  return Array.from({ length: n }, (_, i) =>
    requestItem(i, { id: `slow${i}`, time: REQUEST_EPOCH + i }),
  );
}

describe.skipIf(skip)('shared writers: slow claims', () => {
  const database = freshDatabase('tally_slow');
  let store: Store;
  let base: ChConnection;
  beforeAll(async () => {
    store = await openStore('single', database, GRACE, 'shared');
    base = connect(servers().singleUrl, database);
  });
  afterAll(async () => {
    await store?.close();
    await base?.close();
    await dropDatabase('single', database);
  });

  it('succeed when claim after claim looks slower than the grace', async () => {
    // For the first readings, every clock reading is more than grace/2 after the previous one, so
    // every claim made meanwhile looks too slow to the old rule; then the clock calms down.
    let fake = Date.now();
    let readings = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => {
      fake += readings++ < SLOW_READINGS ? JUMP_MS : 1;
      return fake;
    });
    let first: { duplicates: number[] };
    try {
      first = await store.append(items(100));
    } finally {
      clock.mockRestore();
    }
    expect(first.duplicates).toEqual([]);
    expect((await store.append(items(100))).duplicates).toHaveLength(100);
    expect((await store.stats()).events).toBe(100);
  });

  it('a slow claim yields to a later claim that decided without seeing it', async () => {
    // One clock for both "processes", moved by hand.
    let now = 1_000_000;
    const clock = () => now;
    const keys: EventKey[] = Array.from({ length: 5 }, (_, i) => ({
      accountId: 'acc',
      source: 'svc',
      id: `race${i}`,
    }));
    // X's claim insert is held until Y has decided; X's release (its yield) is reported.
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    let yielded: () => void = () => undefined;
    const xYielded = new Promise<void>((r) => {
      yielded = r;
    });
    let held = false;
    const slow: ChConnection = {
      ...base,
      exec: (sql, settings) => base.exec(sql, settings),
      insert: (table, rows, settings) => base.insert(table, rows, settings),
      insertTsv: async (table, columns, body, settings) => {
        if (!held) {
          held = true;
          await gate;
        }
        if (body.includes(`\t${RELEASE}\t`)) yielded();
        return base.insertTsv(table, columns, body, settings);
      },
    };
    const opts = { graceMs: GRACE, staleMs: 30_000, pollMs: 20, deadlineMs: 120_000 };
    const x = new SharedDedupe(slow, { ...opts, insertSettings: {}, now: clock });
    const y = new SharedDedupe(base, { ...opts, insertSettings: {}, now: clock });

    const xClaim = x.claim(keys); // sent at 1 000 000, not yet stored
    now += 10;
    const yClaim = await y.claim(keys); // later, fast
    now += GRACE;
    const yDecision = await y.decide(keys, yClaim);
    expect(yDecision.owned).toEqual(keys.map(() => true)); // Y never saw X
    now += 1000; // X's claim is acknowledged a second late
    openGate();
    const xDecided = x.decide(keys, await xClaim);
    await xYielded; // X gave its claim up instead of owning the keys Y owns
    await y.commitMany([{ keys, token: yDecision.claim.token }]);
    const xDecision = await xDecided;
    expect(xDecision.owned).toEqual(keys.map(() => false));
    expect(xDecision.claim.token).not.toBe(yDecision.claim.token);
  });
});
