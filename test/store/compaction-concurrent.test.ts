// A rewrite of a closed month runs on its own connection and must not hold the fold: events
// acknowledged during a rewrite become visible while it is still open, the rewrite neither deletes
// nor copies them, and the days they landed on are rewritten again later. A backfill, which
// deletes meter rows, waits for the rewrite instead. The rewrite is held open by the store's test
// hook, so nothing here depends on timing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { MeterRow } from '../../src/meter/meter-definition.js';
import type { CompactionSettings } from '../../src/store/embedded/compaction-policy.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { Hold } from '../support/hold.js';

const ACCOUNT = 'acc_cc';
const METER = 'm_sum';
/** A meter whose rows the backfill test replaces: at ingest worth 3 v, after the backfill 2 v. */
const TRIPLED = 'm_tripled';
const SUBJECTS = ['customer_0001', 'customer_0002', 'cust', 'beta'];
const DAY = 86_400_000;
const JANUARY = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 2, 10, 12);

interface Sent {
  id: string;
  subject: string;
  time: number;
  value: number;
}

function rowsOf(s: Sent, meters: readonly string[]): MeterRow[] {
  return meters.map((meterId) => ({
    meterId,
    value: meterId === TRIPLED ? 3 * s.value : s.value,
    valueText: null,
    dims: [],
  }));
}

function item(s: Sent, meters: readonly string[] = [METER]): IngestItem {
  return {
    event: {
      accountId: ACCOUNT,
      id: s.id,
      source: 'test',
      type: 'usage',
      subject: s.subject,
      time: s.time,
      ingestedAt: s.time,
      data: JSON.stringify({ v: s.value }),
    },
    rows: rowsOf(s, meters),
  };
}

/** `count` deterministic events between `from` and `to`, ids `<prefix><n>`. */
function spread(prefix: string, count: number, from: number, to: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    subject: SUBJECTS[(i * 3) % SUBJECTS.length] as string,
    time: from + Math.floor(((i * 7919) % count) * ((to - from) / count)),
    value: (i % 7) + 1,
  }));
}

/** The reference: per subject and UTC day, `factor` times the values sent. */
function expected(sent: readonly Sent[], subject: string, factor: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of sent) {
    if (s.subject !== subject) continue;
    const d = Math.floor(s.time / DAY);
    out.set(d, (out.get(d) ?? 0) + factor * s.value);
  }
  return out;
}

async function daily(store: DuckDbStore, meterId: string, subject: string) {
  const rows = await store.aggregateNumeric({
    accountId: ACCOUNT,
    meterId,
    from: JANUARY,
    to: Date.UTC(2026, 3, 1),
    bucket: { kind: 'uniform', origin: JANUARY, width: DAY },
    groupBy: [],
    filter: { op: 'eq', dim: { kind: 'subject' }, value: subject },
  });
  return new Map(rows.map((r) => [JANUARY / DAY + r.window, r.sum]));
}

/** Every event listed and counted once, in each meter given with its factor. */
async function expectTotals(
  store: DuckDbStore,
  sent: readonly Sent[],
  meters: [string, number][] = [[METER, 1]],
): Promise<void> {
  for (const [meterId, factor] of meters) {
    for (const subject of SUBJECTS) {
      expect(await daily(store, meterId, subject)).toEqual(expected(sent, subject, factor));
    }
  }
  const listed = await store.listEvents({ accountId: ACCOUNT, limit: 100_000 });
  expect(listed.map((e) => e.id).sort()).toEqual(sent.map((s) => s.id).sort());
  const stats = await store.stats();
  expect(stats.events).toBe(sent.length);
  expect(stats.meterRows).toBe(sent.length * meters.length);
}

function scenario(settings: Partial<CompactionSettings> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-compact-cc-'));
  const hold = new Hold();
  const t = {
    hold,
    clock: NOW,
    open: () =>
      DuckDbStore.open({
        dataDir: dir,
        // rewriteFraction 0: any row added since a rewrite makes its chunk due again.
        compaction: {
          rewriteFraction: 0,
          ...settings,
          intervalMs: 0,
          now: () => t.clock,
          holdRewrite: hold.hook,
        },
      }),
  };
  return t;
}

const chunkNames = (chunks: { kind: string; start: number }[]) =>
  chunks.map((c) => `${c.kind} ${new Date(c.start).toISOString().slice(0, 10)}`);

describe('embedded store compaction beside the fold', () => {
  it.each([['into the archive', {}]])(
    'a closed month moved %s while events arrive: they are visible at once and kept',
    async (_, settings) => {
      const t = scenario(settings);
      let store = await t.open();
      const sent = spread('a', 600, JANUARY, Date.UTC(2026, 1, 1));
      await store.append(sent.map((s) => item(s)));
      await expectTotals(store, sent); // folded, so January counts as activity
      t.clock += 60_000;

      t.hold.arm();
      let settled = false;
      const compacting = store.compactNow().finally(() => {
        settled = true;
      });
      await t.hold.entered;

      // Late events of the month being rewritten, and events of the current day.
      const late = spread('late', 200, JANUARY, Date.UTC(2026, 1, 1));
      const today = spread('today', 50, Date.UTC(2026, 2, 10), NOW);
      expect(await store.append(late.map((s) => item(s)))).toEqual({ duplicates: [] });
      expect(await store.append(today.map((s) => item(s)))).toEqual({ duplicates: [] });
      sent.push(...late, ...today);
      await expectTotals(store, sent);
      expect(t.hold.held).toBe(true);
      expect(settled).toBe(false);

      t.hold.release();
      expect(chunkNames(await compacting)).toEqual(['month 2026-01-01']);
      await expectTotals(store, sent);

      // The late rows were not part of the rewrite: January is due again (today is not closed).
      expect(store.compactionBacklog()).toBe(1);
      t.clock += 60_000;
      expect(chunkNames(await store.compactNow())).toEqual(['month 2026-01-01']);
      expect(store.compactionBacklog()).toBe(0);
      await expectTotals(store, sent);

      await store.close();
      store = await t.open();
      expect(store.compactionBacklog()).toBe(0);
      await expectTotals(store, sent);
      await store.close();
    },
  );

  it('a backfill during a rewrite waits for it, and both end right', async () => {
    const t = scenario();
    let store = await t.open();
    const meters = [METER, TRIPLED];
    const sent = spread('b', 500, JANUARY, Date.UTC(2026, 1, 1));
    await store.append(sent.map((s) => item(s, meters)));
    await expectTotals(store, sent, [
      [METER, 1],
      [TRIPLED, 3],
    ]);
    t.clock += 60_000;

    t.hold.arm();
    const compacting = store.compactNow();
    await t.hold.entered;

    let heldWhenProduced: boolean | undefined;
    let backfilled = false;
    // As the meter service backfills: rows extracted again from the stored events, now 2 v.
    const backfill = store
      .replaceMeterRows(TRIPLED, ACCOUNT, async (emit) => {
        heldWhenProduced = t.hold.held;
        await store.scanEvents(ACCOUNT, 'usage', async (events) => {
          await emit(
            events.map((e) => ({
              meterId: TRIPLED,
              time: e.time,
              subject: e.subject,
              value: 2 * (JSON.parse(e.data) as { v: number }).v,
              valueText: null,
              dims: [],
            })),
          );
        });
      })
      .then(() => {
        backfilled = true;
      });

    // The waiting backfill holds nothing the fold needs.
    const late = spread('late', 100, JANUARY, Date.UTC(2026, 1, 1));
    await store.append(late.map((s) => item(s, meters)));
    sent.push(...late);
    await expectTotals(store, sent, [
      [METER, 1],
      [TRIPLED, 3],
    ]);
    expect(t.hold.held).toBe(true);
    expect(backfilled).toBe(false);

    t.hold.release();
    expect(chunkNames(await compacting)).toEqual(['month 2026-01-01']);
    await backfill;
    expect(heldWhenProduced).toBe(false);
    const after: [string, number][] = [
      [METER, 1],
      [TRIPLED, 2],
    ];
    await expectTotals(store, sent, after);

    t.clock += 60_000;
    expect(chunkNames(await store.compactNow())).toEqual(['month 2026-01-01']);
    await expectTotals(store, sent, after);
    await store.close();
    store = await t.open();
    expect(store.compactionBacklog()).toBe(0);
    await expectTotals(store, sent, after);
    await store.close();
  });
});
