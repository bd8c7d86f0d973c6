// Upgrade in place: a data directory written by release 41ce49f opens with the current code,
// migrated at start. The directory (test/fixtures/upgrade/embedded-41ce49f.tar.gz, made by
// scripts/make-upgrade-fixture.ts run in a checkout of that release) was left by a kill -9: DuckDB
// has a WAL not checkpointed, and the ingest log holds acknowledged events DuckDB lacks. Every
// expectation is computed from the generator that made the events, never read from the old store.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyService } from '../../src/auth/key-service.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { MeterService } from '../../src/meter/meter-service.js';
import type { UsageRow } from '../../src/query/usage-query.js';
import { UsageService } from '../../src/query/usage-service.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { expectedUsage, groupKey, type Totals } from '../fixtures/upgrade/expected.js';
import {
  ACCOUNT_NAMES,
  ACTIVE_USERS,
  type AccountName,
  type FixtureEvent,
  firstBatch,
  KEYS,
  type MeterSpec,
  QUERY_FROM,
  QUERY_TO,
  REQUESTS,
  resentEvents,
  SEED,
  secondBatch,
  storedEvents,
  TOKENS,
  TOKENS_EDITED_GROUP_BY,
  thirdBatch,
  type UpgradeManifest,
} from '../fixtures/upgrade/generator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const FIXTURE = fileURLToPath(
  new URL('../fixtures/upgrade/embedded-41ce49f.tar.gz', import.meta.url),
);

/** The tokens meter as it is since its edit. */
const TOKENS_NOW: MeterSpec = { ...TOKENS, groupBy: TOKENS_EDITED_GROUP_BY };

/** Each meter's groupings to check: per subject, per dimension, and (UNIQUE) across subjects. */
const CHECKS: { meter: MeterSpec; groupBy: string[] }[] = [
  { meter: TOKENS_NOW, groupBy: ['subject'] },
  { meter: TOKENS_NOW, groupBy: ['model', 'tier'] },
  { meter: TOKENS_NOW, groupBy: [] },
  { meter: REQUESTS, groupBy: ['subject'] },
  { meter: REQUESTS, groupBy: ['method'] },
  { meter: ACTIVE_USERS, groupBy: ['subject'] },
  { meter: ACTIVE_USERS, groupBy: ['model'] },
  { meter: ACTIVE_USERS, groupBy: [] },
];

const second = secondBatch();
const logged = second.logged.flatMap((c) => c.events);
const folded = second.folded.flatMap((c) => c.events);
const stored = storedEvents();
const third = thirdBatch();

function unpack(): { root: string; dataDir: string; manifest: UpgradeManifest } {
  const root = mkdtempSync(join(tmpdir(), 'tally-upgrade-'));
  execFileSync('tar', ['-xzf', FIXTURE, '-C', root]);
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as UpgradeManifest;
  return { root, dataDir: join(root, 'data'), manifest };
}

function totalsOf(rows: UsageRow[], groupBy: readonly string[]): Totals {
  const out: Totals = {};
  for (const r of rows) {
    const values = groupBy.map((g) => (g === 'subject' ? r.subject : (r.groupBy[g] ?? null)));
    out[groupKey(r.windowStart, values)] = r.value;
  }
  return out;
}

interface Opened {
  store: DuckDbStore;
  meters: MeterService;
  usage: UsageService;
  ingest: IngestService;
  keys: KeyService;
}

/** The store and the services over it, wired as src/app.ts wires them. */
async function open(dataDir: string): Promise<Opened> {
  const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
  const meters = new MeterService(store);
  return {
    store,
    meters,
    usage: new UsageService(meters, store),
    ingest: new IngestService(store, meters, { maxInFlightEvents: 200_000 }),
    keys: new KeyService(store),
  };
}

function monthOf(time: number): number {
  const d = new Date(time);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

describe('upgrade in place from 41ce49f (embedded store)', () => {
  let root = '';
  let dataDir = '';
  let manifest: UpgradeManifest;
  let s: Opened;
  const accountId = (name: AccountName) => manifest.accounts[name].id;

  beforeAll(async () => {
    ({ root, dataDir, manifest } = unpack());
    s = await open(dataDir);
  });

  afterAll(async () => {
    await s?.store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const monthly = (meter: MeterSpec, groupBy: string[]) =>
    s.usage.query(accountId(meter.account), {
      meterSlug: meter.slug,
      from: QUERY_FROM,
      to: QUERY_TO,
      windowSize: 'MONTH',
      timeZone: 'UTC',
      groupBy,
      subjects: [],
      filters: {},
      mode: { kind: 'incremental' },
      fillZero: false,
    });

  async function expectUsage(events: readonly FixtureEvent[]): Promise<void> {
    for (const { meter, groupBy } of CHECKS) {
      const got = totalsOf((await monthly(meter, groupBy)).rows, groupBy);
      expect(got, `${meter.slug} by [${groupBy.join(', ')}]`).toEqual(
        expectedUsage(meter, events, groupBy),
      );
    }
  }

  /** Every event of `events` is stored exactly once, as it was sent; and no other event is. */
  async function expectEvents(events: readonly FixtureEvent[]): Promise<void> {
    for (const account of ACCOUNT_NAMES) {
      const want = events.filter((e) => e.account === account).map((e) => e.event);
      const got = await s.store.listEvents({ accountId: accountId(account), limit: 100_000 });
      expect(got.length, account).toBe(want.length);
      const byId = new Map(got.map((e) => [`${e.source}/${e.id}`, e]));
      expect(byId.size, `${account}: distinct identities`).toBe(want.length);
      for (const w of want) {
        const e = byId.get(`${w.source}/${w.id}`);
        expect(e, `${account} ${w.source}/${w.id}`).toBeDefined();
        expect([e?.type, e?.subject, e?.time]).toEqual([w.type, w.subject, Date.parse(w.time)]);
        expect(JSON.parse(e?.data ?? 'null')).toEqual(w.data);
      }
    }
    expect((await s.store.stats()).events).toBe(events.length);
  }

  it('is the fixture the generator describes', () => {
    expect(manifest.seed).toBe(SEED);
    expect(manifest.counts).toMatchObject({
      firstBatch: firstBatch().length,
      resentDuplicates: resentEvents().length,
      secondFolded: folded.length,
      secondLogged: logged.length,
      stored: stored.length,
      // The kill left the logged events in the ingest log only.
      inDuckDbAtKill: stored.length - logged.length,
    });
  });

  it('holds every acknowledged event exactly once, the ingest log ones included', async () => {
    await expectEvents(stored);
  });

  it('answers per month and per subject, dimension and in total what the events say', async () => {
    await expectUsage(stored);
  });

  it('keeps the edited meter: its new dimensions, and the old one gone', async () => {
    const tokens = await s.meters.get(accountId('acme'), TOKENS.slug);
    expect(Object.fromEntries(tokens.dimensions)).toEqual(TOKENS_EDITED_GROUP_BY);
    await expect(monthly(TOKENS_NOW, ['region'])).rejects.toThrow(/region/);
    const slugs = async (a: AccountName) =>
      (await s.meters.list(accountId(a))).map((m) => m.slug).sort();
    expect(await slugs('acme')).toEqual([ACTIVE_USERS.slug, TOKENS.slug].sort());
    expect(await slugs('globex')).toEqual([REQUESTS.slug]);
  });

  it('authenticates every key as before, and still refuses the revoked one', async () => {
    for (const spec of KEYS) {
      const raw = manifest.keys[spec.name];
      expect(raw, spec.name).toBeDefined();
      const principal = await s.keys.verify(raw as string);
      if (spec.revoked) {
        expect(principal, spec.name).toBeUndefined();
        continue;
      }
      expect(principal, spec.name).toMatchObject({
        accountId: accountId(spec.account),
        kind: spec.kind,
      });
      expect(principal?.subject, spec.name).toBe(spec.subject);
    }
    expect(await s.keys.verify('sk_not-a-key-of-this-store')).toBeUndefined();
  });

  it('refuses a duplicate of an old event: compacted, folded before the kill, or only logged', async () => {
    const first = firstBatch();
    for (const old of [first[0], first[first.length - 1], folded[0], logged[0], logged.at(-1)]) {
      const e = old as FixtureEvent;
      const summary = await s.ingest.ingest(accountId(e.account), [{ value: e.event }]);
      expect(summary, e.event.id).toMatchObject({ accepted: 0, duplicates: 1, rejected: [] });
    }
    expect((await s.store.stats()).events).toBe(stored.length);
  });

  it('appends new events, counted with the old ones, also after a compaction', async () => {
    for (const account of ACCOUNT_NAMES) {
      const mine = third.filter((e) => e.account === account);
      const summary = await s.ingest.ingest(
        accountId(account),
        mine.map((e) => ({ value: e.event })),
      );
      expect(summary).toMatchObject({ accepted: mine.length, duplicates: 0, rejected: [] });
    }
    await expectUsage([...stored, ...third]);
    // Late rows (the second batch) in months compacted by the old release: rewriting them must
    // change no number. The old release sorted closed months in place; now every closed month
    // moves into the archive once quiet: all but those the new events just went to.
    expect(s.store.archivedMonths()).toEqual([]);
    await s.store.compactNow();
    const monthsOf = (events: readonly FixtureEvent[]) =>
      new Set(events.map((e) => monthOf(Date.parse(e.event.time))));
    const busy = monthsOf(third);
    const quiet = [...monthsOf(stored)].filter((m) => !busy.has(m)).sort((a, b) => a - b);
    expect(quiet.length).toBeGreaterThan(0);
    expect(s.store.archivedMonths().map((m) => m.month)).toEqual(quiet);
    expect(s.store.archivedMonths().reduce((n, m) => n + m.events, 0)).toBe(
      stored.filter((e) => !busy.has(monthOf(Date.parse(e.event.time)))).length,
    );
    await expectEvents([...stored, ...third]);
    await expectUsage([...stored, ...third]);
  });

  it('keeps everything across a reopen', async () => {
    await s.store.close();
    s = await open(dataDir);
    const all = [...stored, ...third];
    await expectEvents(all);
    await expectUsage(all);
    const again = third[0] as FixtureEvent;
    expect(await s.ingest.ingest(accountId(again.account), [{ value: again.event }])).toMatchObject(
      { accepted: 0, duplicates: 1 },
    );
    const key = await s.keys.verify(manifest.keys['acme-secret'] as string);
    expect(key?.accountId).toBe(accountId('acme'));
  });
});

describe('the server on a data directory of 41ce49f', () => {
  let root = '';
  let manifest: UpgradeManifest;
  let server: TestServer;

  beforeAll(async () => {
    let dataDir: string;
    ({ root, dataDir, manifest } = unpack());
    server = await startTestServer({ dataDir });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const key = (name: string) => manifest.keys[name] as string;
  const range = `from=${new Date(QUERY_FROM).toISOString()}&to=${new Date(QUERY_TO).toISOString()}&windowSize=MONTH&windowTimeZone=UTC`;

  async function queried(path: string, k: string, groupBy: string[]): Promise<Totals> {
    const res = await server.request(path, { key: k });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as {
      data: {
        windowStart: string;
        subject: string | null;
        groupBy: Record<string, string | null>;
        value: number;
      }[];
    };
    return totalsOf(
      body.data.map((d) => ({ ...d, windowStart: Date.parse(d.windowStart), windowEnd: 0 })),
      groupBy,
    );
  }

  it('knows every key by its account, kind and subject; the revoked one is refused', async () => {
    for (const spec of KEYS) {
      const res = await server.request('/api/v1/me', { key: key(spec.name) });
      if (spec.revoked) {
        expect(res.status, spec.name).toBe(401);
        continue;
      }
      expect(res.status, spec.name).toBe(200);
      expect(await res.json()).toMatchObject({
        accountId: manifest.accounts[spec.account].id,
        keyKind: spec.kind,
        subject: spec.subject ?? null,
      });
    }
  });

  it('answers the meters over HTTP as the events say', async () => {
    for (const { meter, groupBy } of CHECKS) {
      const owner = `${meter.account}-secret`;
      const params = groupBy.map((g) => `&groupBy=${g}`).join('');
      const got = await queried(
        `/api/v1/meters/${meter.slug}/query?${range}${params}`,
        key(owner),
        groupBy,
      );
      expect(got, `${meter.slug} by [${groupBy.join(', ')}]`).toEqual(
        expectedUsage(meter, stored, groupBy),
      );
    }
    const portal = KEYS.find((k) => k.name === 'acme-portal-cust-03');
    const subject = portal?.subject as string;
    const mine = stored.filter((e) => e.event.subject === subject);
    expect(
      await queried(
        `/api/v1/portal/meters/${TOKENS.slug}/query?${range}`,
        key('acme-portal-cust-03'),
        [],
      ),
    ).toEqual(expectedUsage(TOKENS_NOW, mine, []));
  });

  it('refuses old events again and takes new ones with the old keys', async () => {
    const post = (k: string, events: FixtureEvent[]) =>
      server.request('/api/v1/events', {
        key: k,
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'return=representation' },
        body: JSON.stringify(events.map((e) => e.event)),
      });
    const oldAcme = logged.find((e) => e.account === 'acme') as FixtureEvent;
    const oldGlobex = firstBatch().find((e) => e.account === 'globex') as FixtureEvent;
    for (const [k, e] of [
      ['acme-ingest', oldAcme],
      ['globex-ingest', oldGlobex],
    ] as const) {
      const res = await post(key(k), [e]);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    }
    const fresh = third.filter((e) => e.account === 'acme' && e.event.subject === 'cust-07');
    expect(fresh.length).toBeGreaterThan(0);
    const res = await post(key('acme-ingest-cust-07'), fresh);
    expect(await res.json()).toMatchObject({ accepted: fresh.length, duplicates: 0 });
    const other = third.find((e) => e.account === 'acme' && e.event.subject !== 'cust-07');
    expect((await post(key('acme-ingest-cust-07'), [other as FixtureEvent])).status).toBe(400);
    const all = [...stored, ...fresh];
    expect(
      await queried(
        `/api/v1/meters/${TOKENS.slug}/query?${range}&groupBy=subject`,
        key('acme-secret'),
        ['subject'],
      ),
    ).toEqual(expectedUsage(TOKENS_NOW, all, ['subject']));
  });
});
