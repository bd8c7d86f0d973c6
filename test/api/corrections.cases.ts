// Corrections through the HTTP API, the same cases on every store: void, replace and void by
// filter change exactly the windows holding the corrected events (rollups included), `asOf`
// before a correction answers the old numbers, the audit log records who did what, and keys that
// are not secret are refused. Expected numbers are sums over the events the test sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CreatedKey,
  createMeters,
  jsonInit,
  PROMPT_METERS,
  type TestServer,
} from '../support/test-server.js';

interface Sent {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: { tokens: number; model: string; user: string };
}

interface Row {
  value: number;
  windowStart: string;
  subject: string | null;
  groupBy: Record<string, string | null>;
}

interface Correction {
  id: string;
  kind: string;
  keyId: string;
  events: number;
  replaced: number;
  status: string;
  dryRun?: boolean;
  windows: { meter: string; from: string; to: string; events: number }[];
}

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-03T00:00:00Z');
const FROM = new Date(T0).toISOString();
const TO = new Date(T0 + 5 * DAY).toISOString();

/** 60 prompts over 5 days: 12 a day, three subjects, two models, five users. */
function events(): Sent[] {
  return Array.from({ length: 60 }, (_, i) => ({
    id: `p${i}`,
    source: 'svc',
    type: 'prompt',
    subject: ['acme', 'globex', 'initech'][i % 3] as string,
    time: new Date(T0 + Math.floor(i / 12) * DAY + (i % 12) * 3_600_000).toISOString(),
    data: { tokens: 10 + i, model: i % 2 === 0 ? 'small' : 'large', user: `u${i % 5}` },
  }));
}

/** The reference: daily SUM of tokens per model, from the events that count. */
function dailyTokens(counted: Sent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of counted) {
    const day = new Date(Math.floor(Date.parse(e.time) / DAY) * DAY).toISOString();
    const key = `${day} ${e.data.model}`;
    out.set(key, (out.get(key) ?? 0) + e.data.tokens);
  }
  return out;
}

/** Daily distinct users, all subjects together. */
function dailyUsers(counted: Sent[]): Map<string, number> {
  const sets = new Map<string, Set<string>>();
  for (const e of counted) {
    const day = new Date(Math.floor(Date.parse(e.time) / DAY) * DAY).toISOString();
    sets.set(day, (sets.get(day) ?? new Set()).add(e.data.user));
  }
  return new Map([...sets].map(([d, s]) => [d, s.size]));
}

/** Days whose value differs between two answers. */
function changedKeys(a: Map<string, number>, b: Map<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => (a.get(k) ?? 0) !== (b.get(k) ?? 0))
    .sort();
}

export interface CorrectionCaseOptions {
  /** Whether the store answers `asOf` (it reads raw events); else the refusal is checked. */
  asOf: boolean;
}

export function runCorrectionCases(
  label: string,
  start: () => Promise<TestServer>,
  opts: CorrectionCaseOptions,
): void {
  describe(`corrections over HTTP: ${label}`, () => {
    let server: TestServer;
    let key: CreatedKey;
    let admin = '';
    const sent = events();
    let counted = [...sent];

    const post = async (path: string, body: unknown, k = key.key) =>
      server.request(path, jsonInit(k, 'POST', body));
    const correct = async (path: string, body: unknown): Promise<Correction> => {
      const res = await post(path, body);
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Correction;
    };
    const query = async (meter: string, extra: Record<string, string> = {}) => {
      const params = new URLSearchParams({ from: FROM, to: TO, windowSize: 'DAY', ...extra });
      const res = await server.request(`/api/v1/meters/${meter}/query?${params}`, {
        key: key.key,
      });
      return res;
    };
    const tokens = async (extra: Record<string, string> = {}) => {
      const res = await query('tokens', { groupBy: 'model', ...extra });
      expect(res.status, await res.clone().text()).toBe(200);
      const rows = ((await res.json()) as { data: Row[] }).data;
      return new Map(rows.map((r) => [`${r.windowStart} ${r.groupBy.model}`, r.value]));
    };
    const users = async (extra: Record<string, string> = {}) => {
      const res = await query('users', extra);
      expect(res.status, await res.clone().text()).toBe(200);
      const rows = ((await res.json()) as { data: Row[] }).data;
      return new Map(rows.map((r) => [r.windowStart, r.value]));
    };
    /** An instant after every acknowledgement so far (the server shares this clock). */
    const instantNow = async () => {
      const at = Date.now();
      while (Date.now() <= at) await new Promise((r) => setImmediate(r));
      return new Date(at).toISOString();
    };

    beforeAll(async () => {
      server = await start();
      const account = await server.createAccount('corrections');
      admin = account.secretKey;
      key = await account.createKey('secret');
      await createMeters(server, admin, PROMPT_METERS);
      const res = await post('/api/v1/events', sent);
      expect(res.status, await res.clone().text()).toBe(204);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
    });

    let beforeVoid = '';
    let beforeReplace = '';

    it('a void changes exactly the windows of the voided event', async () => {
      expect(await tokens()).toEqual(dailyTokens(counted));
      beforeVoid = await instantNow();
      const target = sent[14] as Sent; // day 2, model small, u4
      const c = await correct('/api/v1/events/void', {
        source: target.source,
        id: target.id,
        reason: 'test traffic',
      });
      expect(c).toMatchObject({ kind: 'void', keyId: key.id, events: 1, status: 'applied' });
      const day = new Date(T0 + DAY).toISOString();
      expect(c.windows.map((w) => [w.meter, w.from, w.events])).toEqual([
        ['tokens', day, 1],
        ['users', day, 1],
      ]);
      const next = counted.filter((e) => e !== target);
      expect(changedKeys(await tokens(), dailyTokens(counted))).toEqual([`${day} small`]);
      expect(await tokens()).toEqual(dailyTokens(next));
      expect(await users()).toEqual(dailyUsers(next));
      counted = next;
      // A resend of the voided event is still a duplicate: nothing comes back.
      expect((await post('/api/v1/events', [target])).status).toBe(204);
      expect(await tokens()).toEqual(dailyTokens(counted));
      // The listing no longer shows it.
      const listed = await server.request(
        `/api/v2/events?${new URLSearchParams({ filter: JSON.stringify({ id: { $eq: target.id } }) })}`,
        { key: key.key },
      );
      expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
    });

    it('a replacement moves the event: both its old and its new windows change', async () => {
      beforeReplace = await instantNow();
      const target = sent[3] as Sent; // day 1, model large
      const moved: Sent = {
        ...target,
        time: new Date(T0 + 4 * DAY + 5_000).toISOString(),
        data: { tokens: 1000, model: 'small', user: 'u-new' },
      };
      const c = await correct('/api/v1/events/replace', { event: moved });
      expect(c).toMatchObject({ kind: 'replace', events: 1, replaced: 1, status: 'applied' });
      const next = [...counted.filter((e) => e !== target), moved];
      expect(changedKeys(await tokens(), dailyTokens(counted))).toEqual(
        [
          `${new Date(T0).toISOString()} large`,
          `${new Date(T0 + 4 * DAY).toISOString()} small`,
        ].sort(),
      );
      expect(await tokens()).toEqual(dailyTokens(next));
      expect(await users()).toEqual(dailyUsers(next));
      counted = next;
      // Replacing an event that does not exist is a 404.
      const missing = await post('/api/v1/events/replace', { event: { ...moved, id: 'nope' } });
      expect(missing.status).toBe(404);
    });

    it('void by filter: the dry run says what would change and changes nothing', async () => {
      const body = {
        filter: { subject: ['globex'] },
        from: new Date(T0 + 2 * DAY).toISOString(),
        to: new Date(T0 + 4 * DAY).toISOString(),
      };
      const hit = counted.filter(
        (e) =>
          e.subject === 'globex' &&
          Date.parse(e.time) >= T0 + 2 * DAY &&
          Date.parse(e.time) < T0 + 4 * DAY,
      );
      const before = await tokens();
      const auditBefore = await server.request('/api/v1/corrections', { key: key.key });
      const dry = await correct('/api/v1/events/void-by-filter', { ...body, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, events: hit.length });
      expect(
        dry.windows.filter((w) => w.meter === 'tokens').map((w) => [w.from, w.events]),
      ).toEqual([
        [
          new Date(T0 + 2 * DAY).toISOString(),
          hit.filter((e) => Date.parse(e.time) < T0 + 3 * DAY).length,
        ],
        [
          new Date(T0 + 3 * DAY).toISOString(),
          hit.filter((e) => Date.parse(e.time) >= T0 + 3 * DAY).length,
        ],
      ]);
      expect(await tokens()).toEqual(before);
      const auditAfter = await server.request('/api/v1/corrections', { key: key.key });
      expect(await auditAfter.json()).toEqual(await auditBefore.json());

      const c = await correct('/api/v1/events/void-by-filter', body);
      expect(c).toMatchObject({ kind: 'void_by_filter', events: hit.length, status: 'applied' });
      const next = counted.filter((e) => !hit.includes(e));
      expect(await tokens()).toEqual(dailyTokens(next));
      expect(await users()).toEqual(dailyUsers(next));
      // Other subjects' and other days' numbers are untouched.
      const acme = await tokens({ subject: 'acme' });
      expect(acme).toEqual(dailyTokens(next.filter((e) => e.subject === 'acme')));
      counted = next;
    });

    it('asOf answers as the data stood before each correction', async () => {
      if (!opts.asOf) {
        const res = await query('tokens', { groupBy: 'model', asOf: beforeVoid });
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(/asOf/);
        return;
      }
      expect(await tokens({ asOf: beforeVoid })).toEqual(dailyTokens(sent));
      expect(await users({ asOf: beforeVoid })).toEqual(dailyUsers(sent));
      const afterVoid = sent.filter((e) => e.id !== 'p14');
      expect(await tokens({ asOf: beforeReplace })).toEqual(dailyTokens(afterVoid));
      // Now, and asOf now, agree: meter rows and the raw events read at query time, for every mode.
      const now = await instantNow();
      expect(await tokens({ asOf: now })).toEqual(dailyTokens(counted));
      const modes: Record<string, string>[] = [
        { aggregationMode: 'cumulative', cumulativePeriod: 'P1M' },
        { aggregationMode: 'rolling', rollingSpan: 'P2D' },
      ];
      for (const mode of modes) {
        expect(await users({ ...mode, asOf: now })).toEqual(await users(mode));
        expect(await tokens({ ...mode, asOf: now })).toEqual(await tokens(mode));
      }
      // The POST body takes asOf too.
      const posted = await server.request(
        '/api/v1/meters/tokens/query',
        jsonInit(key.key, 'POST', {
          from: FROM,
          to: TO,
          windowSize: 'DAY',
          groupBy: ['model'],
          asOf: beforeVoid,
        }),
      );
      expect(posted.status, await posted.clone().text()).toBe(200);
      const postedRows = ((await posted.json()) as { data: Row[] }).data;
      expect(
        new Map(postedRows.map((r) => [`${r.windowStart} ${r.groupBy.model}`, r.value])),
      ).toEqual(dailyTokens(sent));
      // Before any event was acknowledged there was nothing.
      expect(await tokens({ asOf: '2000-01-01T00:00:00Z' })).toEqual(new Map());
    });

    it('the audit log records who, when, what and how many events, newest first', async () => {
      const res = await server.request('/api/v1/corrections', { key: key.key });
      expect(res.status).toBe(200);
      const { items } = (await res.json()) as { items: (Correction & { createdAt: string })[] };
      expect(items.map((c) => [c.kind, c.keyId, c.events, c.status])).toEqual([
        ['void_by_filter', key.id, sent.length - counted.length - 1, 'applied'],
        ['replace', key.id, 1, 'applied'],
        ['void', key.id, 1, 'applied'],
      ]);
      expect(Date.parse(items[2]?.createdAt ?? '')).toBeGreaterThan(Date.parse(beforeVoid));
    });

    it('a compat profile answers with the correction applied', async () => {
      const account = await server.createAccount('corrections-compat');
      await server.services.enableProfiles(account.id, ['opper']);
      const calls = [1, 2, 3].map((i) => ({
        id: `o${i}`,
        source: 'svc',
        specversion: '1.0',
        type: 'opper.call',
        subject: 'acme',
        time: new Date(T0 + i * 3_600_000).toISOString(),
        data: { event_metadata: { total_tokens: 100 * i }, tags: { model: 'm' } },
      }));
      expect((await post('/api/v1/events', calls, account.secretKey)).status).toBe(204);
      const usage = async () => {
        const res = await server.request(
          '/compat/opper/v2/analytics/usage?from_date=2025-03-03&to_date=2025-03-04&fields=total_tokens',
          { key: account.secretKey },
        );
        expect(res.status, await res.clone().text()).toBe(200);
        return ((await res.json()) as { total_tokens: number }[]).map((r) => r.total_tokens);
      };
      expect(await usage()).toEqual([600]);
      const voided = await post(
        '/api/v1/events/void',
        { source: 'svc', id: 'o2' },
        account.secretKey,
      );
      expect(voided.status, await voided.clone().text()).toBe(200);
      expect(await usage()).toEqual([400]);
    });

    it('refuses corrections and the audit log to publishable and ingest keys', async () => {
      const account = await server.createAccount('corrections-keys');
      const ingest = await account.createKey('ingest');
      const publishable = await account.createKey('publishable', 'acme');
      for (const k of [ingest.key, publishable.key]) {
        expect((await post('/api/v1/events/void', { source: 'svc', id: 'p1' }, k)).status).toBe(
          403,
        );
        expect((await post('/api/v1/events/replace', { event: sent[1] }, k)).status).toBe(403);
        expect(
          (await post('/api/v1/events/void-by-filter', { from: FROM, to: TO, dryRun: true }, k))
            .status,
        ).toBe(403);
        expect((await server.request('/api/v1/corrections', { key: k })).status).toBe(403);
      }
    });
  });
}
