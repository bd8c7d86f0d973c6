// The event explorer through the HTTP API, the same cases on every store: the v2 listing's pages,
// filters and "has problems", and the explanation of one event. Expectations are computed from the
// events the test sends, never read back from the server first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeters, jsonInit, PROMPT_METERS, type TestServer } from '../support/test-server.js';

interface Sent {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

interface Listed {
  event: Sent;
  ingestedAt: string;
  validationErrors?: { meter: string; reason: string }[];
}

interface Page {
  items: Listed[];
  nextCursor?: string;
}

const T0 = Date.parse('2025-03-01T00:00:00Z');
const MINUTE = 60_000;

/** 40 prompts (every 7th with an unusable token count) and 6 page views; some share a time. */
function events(round: string): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < 40; i++) {
    const tokens = i % 7 === 3 ? 'lots' : i % 7 === 5 ? undefined : i * 10;
    out.push({
      id: `${round}-p${i}`,
      source: i % 2 === 0 ? 'svc/Alpha' : 'svc/beta',
      type: 'prompt',
      subject: ['acme', 'globex', 'initech'][i % 3] as string,
      // Pairs of events share a minute, so ties are ordered by source, then id.
      time: new Date(T0 + Math.floor(i / 2) * MINUTE).toISOString(),
      data: {
        ...(tokens === undefined ? {} : { tokens }),
        model: i % 4 === 0 ? 'small' : 'large',
        user: `u${i % 5}`,
      },
    });
  }
  for (let i = 0; i < 6; i++) {
    out.push({
      id: `${round}-v${i}`,
      source: 'web',
      type: 'page_view',
      subject: 'acme',
      time: new Date(T0 + (3 + i * 5) * MINUTE).toISOString(),
      data: { path: `/p${i}` },
    });
  }
  return out;
}

/** The listing order: newest first, then source, then id. */
const byListing = (a: Sent, b: Sent) =>
  Date.parse(b.time) - Date.parse(a.time) ||
  (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Whether the SUM meter on $.tokens cannot count the event (the reference for hasProblems). */
const hasProblem = (e: Sent) => e.type === 'prompt' && typeof e.data.tokens !== 'number';

const ids = (es: { id: string }[]) => es.map((e) => e.id);

export function runEventExplorerCases(label: string, start: () => Promise<TestServer>): void {
  describe(`event explorer over HTTP: ${label}`, () => {
    let server: TestServer;
    let key = '';
    const sent: Sent[] = [];
    let firstRoundIngestedMax = 0;

    const get = async (path: string, k = key) => server.request(path, { key: k });
    const page = async (params: Record<string, string>): Promise<Page> => {
      const res = await get(`/api/v2/events?${new URLSearchParams(params)}`);
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Page;
    };
    /** Every page of a listing, following nextCursor. */
    const all = async (params: Record<string, string>): Promise<Listed[]> => {
      const out: Listed[] = [];
      let cursor: string | undefined;
      for (let n = 0; n < 100; n++) {
        const p = await page({ ...params, ...(cursor ? { cursor } : {}) });
        out.push(...p.items);
        cursor = p.nextCursor;
        if (!cursor) return out;
      }
      throw new Error('more than 100 pages');
    };
    const filtered = (f: unknown, extra: Record<string, string> = {}) =>
      all({ filter: JSON.stringify(f), limit: '100', ...extra });

    beforeAll(async () => {
      server = await start();
      const account = await server.createAccount('explorer');
      key = account.secretKey;
      await createMeters(server, key, {
        ...PROMPT_METERS,
        views: { aggregation: 'COUNT', eventType: 'page_view' },
      });
      const first = events('r1');
      const res = await server.request('/api/v1/events', jsonInit(key, 'POST', first));
      expect(res.status, await res.clone().text()).toBe(204);
      sent.push(...first);
      const listed = await all({ limit: '100' });
      firstRoundIngestedMax = Math.max(...listed.map((l) => Date.parse(l.ingestedAt)));
      // The second round must be ingested in a later millisecond than the first: wait for the clock.
      while (Date.now() <= firstRoundIngestedMax) await new Promise((r) => setImmediate(r));
      const second = events('r2').slice(0, 5);
      const res2 = await server.request('/api/v1/events', jsonInit(key, 'POST', second));
      expect(res2.status, await res2.clone().text()).toBe(204);
      sent.push(...second);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
    });

    it('pages through every event once, newest first, ties by source then id', async () => {
      const got = await all({ limit: '7' });
      expect(ids(got.map((l) => l.event))).toEqual(ids([...sent].sort(byListing)));
      const first = await page({ limit: '7' });
      expect(first.items).toHaveLength(7);
      expect(first.nextCursor).toBeTypeOf('string');
      const whole = await page({ limit: '100' });
      expect(whole.nextCursor).toBeUndefined();
    });

    it('filters by subject, type, id, source and time, and pages within the filter', async () => {
      const expectMatch = async (f: unknown, want: (e: Sent) => boolean) => {
        const got = await filtered(f, { limit: '3' });
        expect(ids(got.map((l) => l.event)), JSON.stringify(f)).toEqual(
          ids(sent.filter(want).sort(byListing)),
        );
      };
      await expectMatch({ subject: { $eq: 'globex' } }, (e) => e.subject === 'globex');
      await expectMatch({ type: { $in: ['page_view'] } }, (e) => e.type === 'page_view');
      await expectMatch({ id: { $like: 'r1-p1%' } }, (e) => e.id.startsWith('r1-p1'));
      await expectMatch({ source: { $ilike: 'SVC/a%' } }, (e) => e.source === 'svc/Alpha');
      await expectMatch({ source: { $like: 'SVC/a%' } }, () => false);
      const from = T0 + 10 * MINUTE;
      const to = T0 + 15 * MINUTE;
      await expectMatch(
        { time: { $gte: new Date(from).toISOString(), $lt: new Date(to).toISOString() } },
        (e) => Date.parse(e.time) >= from && Date.parse(e.time) < to,
      );
      await expectMatch(
        { time: { $gt: new Date(from).toISOString(), $lte: new Date(to).toISOString() } },
        (e) => Date.parse(e.time) > from && Date.parse(e.time) <= to,
      );
      await expectMatch(
        { subject: { $eq: 'acme' }, type: { $eq: 'prompt' }, id: { $like: 'r2-%' } },
        (e) => e.subject === 'acme' && e.type === 'prompt' && e.id.startsWith('r2-'),
      );
      await expectMatch(
        { ingestedAt: { $gt: new Date(firstRoundIngestedMax).toISOString() } },
        (e) => e.id.startsWith('r2-'),
      );
      // Lookup by identity.
      await expectMatch(
        { source: { $eq: 'svc/beta' }, id: { $eq: 'r1-p7' } },
        (e) => e.id === 'r1-p7',
      );
    });

    it('keeps only the events a meter cannot count, or only the others', async () => {
      const problems = await filtered({}, { hasProblems: 'true', limit: '4' });
      expect(ids(problems.map((l) => l.event))).toEqual(
        ids(sent.filter(hasProblem).sort(byListing)),
      );
      for (const l of problems) {
        const want = typeof l.event.data.tokens === 'string' ? 'not_a_number' : 'missing';
        expect(l.validationErrors?.map((p) => [p.meter, p.reason])).toEqual([['tokens', want]]);
      }
      const fine = await filtered({ subject: { $eq: 'acme' } }, { hasProblems: 'false' });
      expect(ids(fine.map((l) => l.event))).toEqual(
        ids(sent.filter((e) => e.subject === 'acme' && !hasProblem(e)).sort(byListing)),
      );
      expect(fine.every((l) => l.validationErrors === undefined)).toBe(true);
    });

    it('explains what each meter makes of an event', async () => {
      const explain = async (source: string, id: string) => {
        const res = await get(`/api/v1/events/explain?${new URLSearchParams({ source, id })}`);
        expect(res.status, await res.clone().text()).toBe(200);
        return (await res.json()) as {
          event: Listed;
          meters: {
            meter: string;
            counted: boolean;
            reason?: string;
            value: number | null;
            valueText?: string | null;
            groupBy: Record<string, string | null>;
          }[];
        };
      };
      const bad = sent.find((e) => e.data.tokens === 'lots') as Sent;
      const x = await explain(bad.source, bad.id);
      expect(x.event.event.id).toBe(bad.id);
      expect(x.meters.map((m) => [m.meter, m.counted, m.reason ?? null])).toEqual([
        ['tokens', false, 'not_a_number'],
        ['users', true, null],
        ['views', false, 'other_event_type'],
      ]);
      expect(x.meters[1]?.valueText).toBe(bad.data.user);
      expect(x.meters[0]?.groupBy).toEqual({ model: bad.data.model });

      const good = sent.find((e) => typeof e.data.tokens === 'number' && e.data.tokens > 0) as Sent;
      const y = await explain(good.source, good.id);
      expect(y.meters[0]).toMatchObject({
        meter: 'tokens',
        counted: true,
        value: good.data.tokens,
        groupBy: { model: good.data.model },
      });
      const view = sent.find((e) => e.type === 'page_view') as Sent;
      const z = await explain(view.source, view.id);
      expect(z.meters.map((m) => [m.meter, m.counted])).toEqual([
        ['tokens', false],
        ['users', false],
        ['views', true],
      ]);
      const missing = await get('/api/v1/events/explain?source=web&id=nope');
      expect(missing.status).toBe(404);
    });

    it('refuses bad filters and cursors with a problem naming them', async () => {
      const bad = async (query: string, path: RegExp) => {
        const res = await get(`/api/v2/events?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(JSON.stringify(await res.json())).toMatch(path);
      };
      const f = (v: unknown) => `filter=${encodeURIComponent(JSON.stringify(v))}`;
      await bad('filter=%7Bnot-json', /filter/);
      await bad(f({ customerId: { $in: ['x'] } }), /customerId/);
      await bad(f({ subject: { $eq: 'a', $like: 'b' } }), /filter\.subject/);
      await bad(f({ subject: { $ne: 'a' } }), /\$ne/);
      await bad(f({ time: { $gte: 'yesterday' } }), /filter\.time\.\$gte/);
      await bad('cursor=abc', /cursor/);
      await bad('limit=101', /limit/);
    });
  });
}
