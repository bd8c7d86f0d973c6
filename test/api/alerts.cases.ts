// Usage alerts through the HTTP API, the same cases on every store: rules and endpoints (keys,
// validation), period thresholds that fire once per (rule, subject, threshold, period) as signed
// Standard Webhooks with retries and backoff, manual redelivery, a rolling rule that re-arms, and
// a restart (state and pending deliveries survive), and per-customer rules (a customer's subjects
// as one value). A real receiver on loopback fails on purpose.
// The periodic sweep is set to 10 minutes, so every crossing here after the start is found by the
// evaluation an ingest acknowledgement triggers. Expectations come from the events sent.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonInit, type TestServer, testEvent } from '../support/test-server.js';
import { startReceiver, until, type WebhookReceiver } from '../support/webhook-receiver.js';

export interface AlertStoreTarget {
  label: string;
  start: (env: Record<string, string>) => Promise<TestServer>;
  /** Stops `old` and starts a server on the same store. */
  restart: (old: TestServer, env: Record<string, string>) => Promise<TestServer>;
}

const BASE_MS = 200;
export const ALERT_TEST_ENV = {
  TALLY_ALERT_SWEEP_INTERVAL_MS: '600000',
  TALLY_ALERT_DEBOUNCE_MS: '50',
  TALLY_WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
  TALLY_WEBHOOK_MAX_ATTEMPTS: '8',
  TALLY_WEBHOOK_TIMEOUT_MS: '5000',
};

interface Attempt {
  at: string;
  durationMs: number;
  statusCode?: number;
  error?: string;
}
interface Delivery {
  id: string;
  ruleId: string;
  endpointId: string;
  subject?: string;
  customerId?: string;
  threshold: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Attempt[];
  payload: {
    type: string;
    timestamp: string;
    data: {
      rule: { id: string; name: string; meter: string; kind: string; per: string };
      subject?: string;
      customerId?: string;
      customerKey?: string;
      threshold: number;
      thresholdValue: number;
      limit?: number;
      value: number;
      period: { from: string; to: string };
    };
  };
}

/** The current UTC month, computed here (the rule's period: MONTH in UTC). */
function utcMonth(now = Date.now()): { from: string; to: string } {
  const d = new Date(now);
  return {
    from: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString(),
    to: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString(),
  };
}

export function runAlertCases(target: AlertStoreTarget): void {
  describe(`usage alerts over HTTP: ${target.label}`, () => {
    let server: TestServer;
    let key = '';
    let otherKey = '';
    // Fails the first two attempts of every webhook-id, then accepts.
    let flaky: WebhookReceiver;
    let steady: WebhookReceiver;
    let down: WebhookReceiver;
    const secrets = new Map<string, string>();
    const endpoints: Record<'flaky' | 'steady' | 'down', string> = {
      flaky: '',
      steady: '',
      down: '',
    };
    let periodRule = '';

    const send = async (path: string, method: string, body?: unknown, k = key) =>
      server.request(path, body === undefined ? { key: k, method } : jsonInit(k, method, body));
    const ok = async <T>(res: Response, status = 200): Promise<T> => {
      expect(res.status, await res.clone().text()).toBe(status);
      return (await res.json()) as T;
    };
    const deliveries = async (ruleId?: string) =>
      ok<Delivery[]>(
        await send(`/api/v1/alerts/deliveries${ruleId ? `?ruleId=${ruleId}` : ''}`, 'GET'),
      );
    const ingest = async (events: ReturnType<typeof testEvent>[]) => {
      const res = await send('/api/v1/events', 'POST', events);
      expect(res.status, await res.text()).toBe(204);
    };
    const prompt = (subject: string, tokens: number, at = Date.now() - 1000) =>
      testEvent('prompt', subject, at, { tokens });
    /** Waits until the rule has `n` deliveries, all delivered. */
    const delivered = (ruleId: string, n: number, what: string) =>
      until(what, async () => {
        const ds = await deliveries(ruleId);
        return ds.length === n && ds.every((d) => d.status === 'delivered') && ds;
      });
    const verify = (d: Pick<Delivery, 'endpointId'>, r: WebhookReceiver['received'][number]) =>
      new Webhook(secrets.get(d.endpointId) ?? '').verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      });

    beforeAll(async () => {
      flaky = await startReceiver((nth) => (nth < 2 ? 500 : 200));
      steady = await startReceiver(() => 200);
      down = await startReceiver(() => 503);
      server = await target.start(ALERT_TEST_ENV);
      const account = await server.createAccount('alerts');
      key = account.secretKey;
      otherKey = (await server.createAccount('alerts-other')).secretKey;
      for (const [slug, body] of [
        ['tokens', { aggregation: 'SUM', eventType: 'prompt', valueProperty: '$.tokens' }],
        ['calls', { aggregation: 'COUNT', eventType: 'call' }],
        // Only the per-customer case sends `spend` events: no other rule sees them.
        ['credits', { aggregation: 'SUM', eventType: 'spend', valueProperty: '$.credits' }],
        ['seats', { aggregation: 'UNIQUE_COUNT', eventType: 'spend', valueProperty: '$.user' }],
      ] as const) {
        await ok(await send('/api/v1/meters', 'POST', { slug, ...body }), 201);
      }
      for (const [name, r] of [
        ['flaky', flaky],
        ['steady', steady],
        ['down', down],
      ] as const) {
        const e = await ok<{ id: string; secret: string; url: string }>(
          await send('/api/v1/alerts/endpoints', 'POST', { url: r.url, description: name }),
          201,
        );
        expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
        expect(e.url).toBe(r.url);
        secrets.set(e.id, e.secret);
        endpoints[name] = e.id;
      }
    }, 300_000);

    afterAll(async () => {
      await server?.stop();
      await Promise.all([flaky?.close(), steady?.close(), down?.close()]);
    });

    it('keeps secrets out of listings, checks rules, and answers secret keys of the account only', async () => {
      const listed = await ok<Record<string, unknown>[]>(
        await send('/api/v1/alerts/endpoints', 'GET'),
      );
      expect(listed.map((e) => e.id).sort()).toEqual(Object.values(endpoints).sort());
      expect(JSON.stringify(listed)).not.toContain('whsec_');

      const rule = {
        name: 'r',
        meter: 'tokens',
        endpointId: endpoints.steady,
        kind: 'period',
        thresholds: [10],
      };
      const bad = await send('/api/v1/alerts/rules', 'POST', { ...rule, meter: 'nope' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('nope');
      expect(
        (await send('/api/v1/alerts/rules', 'POST', { ...rule, endpointId: 'nope' })).status,
      ).toBe(400);
      expect(
        (await send('/api/v1/alerts/rules', 'POST', { ...rule, kind: 'rolling' })).status,
      ).toBe(400);
      expect(
        (await send('/api/v1/alerts/rules', 'POST', { ...rule, timeZone: 'Mars/Base' })).status,
      ).toBe(400);
      expect(
        (await send('/api/v1/alerts/endpoints', 'POST', { url: 'ftp://example.com/x' })).status,
      ).toBe(400);
      expect((await send('/api/v1/alerts/endpoints', 'POST', { url: 'not a url' })).status).toBe(
        400,
      );

      const made = await ok<{ id: string; enabled: boolean; timeZone: string; period: string }>(
        await send('/api/v1/alerts/rules', 'POST', { ...rule, subjects: ['nobody'] }),
        201,
      );
      expect(made).toMatchObject({ enabled: true, timeZone: 'UTC', period: 'MONTH' });
      const path = `/api/v1/alerts/rules/${made.id}`;
      // Another account's rule does not exist for this key.
      expect((await send(path, 'GET', undefined, otherKey)).status).toBe(404);
      expect((await send(path, 'DELETE', undefined, otherKey)).status).toBe(404);
      const ingestKey = await (await server.createAccount('alerts-keys')).createKey('ingest');
      expect((await send('/api/v1/alerts/rules', 'GET', undefined, ingestKey.key)).status).toBe(
        403,
      );
      expect((await send('/api/v1/alerts/rules', 'POST', rule, ingestKey.key)).status).toBe(403);
      const updated = await ok<{ name: string; thresholds: number[] }>(
        await send(path, 'PUT', { ...rule, name: 'renamed', thresholds: [30, 20, 20] }),
      );
      expect(updated).toMatchObject({ name: 'renamed', thresholds: [20, 30] });
      // An endpoint in use cannot go; once its rule is gone it can.
      expect((await send(`/api/v1/alerts/endpoints/${endpoints.steady}`, 'DELETE')).status).toBe(
        409,
      );
      expect((await send(path, 'DELETE')).status).toBe(204);
      expect((await send(path, 'GET')).status).toBe(404);
      const spare = await ok<{ id: string }>(
        await send('/api/v1/alerts/endpoints', 'POST', { url: steady.url }),
        201,
      );
      expect((await send(`/api/v1/alerts/endpoints/${spare.id}`, 'DELETE')).status).toBe(204);
    });

    it('fires each threshold once per subject and period, signed, retried with growing backoff', async () => {
      const rule = await ok<{ id: string }>(
        await send('/api/v1/alerts/rules', 'POST', {
          name: 'monthly tokens',
          meter: 'tokens',
          endpointId: endpoints.flaky,
          kind: 'period',
          period: 'MONTH',
          limit: 100,
          thresholds: [80, 100],
        }),
        201,
      );
      periodRule = rule.id;
      // 50 crosses nothing; 85 (acme) and 90 (globex) cross 80.
      await ingest([prompt('acme', 50)]);
      await ingest([prompt('acme', 35), prompt('globex', 90)]);
      const first = await delivered(rule.id, 2, 'the two crossings of 80');
      const month = utcMonth();
      expect(first.map((d) => [d.subject, d.threshold, d.payload.data.value]).sort()).toEqual([
        ['acme', 80, 85],
        ['globex', 80, 90],
      ]);
      for (const d of first) {
        expect(d.id).toMatch(/^msg_/);
        expect(d.payload).toMatchObject({
          type: 'alert.threshold_crossed',
          data: {
            rule: { id: rule.id, name: 'monthly tokens', meter: 'tokens', kind: 'period' },
            threshold: 80,
            thresholdValue: 80,
            limit: 100,
            period: month,
          },
        });
        // Three attempts: 500, 500, 200, all with the one webhook-id and a valid signature.
        const got = flaky.of(d.id);
        expect(got).toHaveLength(3);
        expect(d.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
        for (const r of got) {
          expect(verify(d, r)).toEqual(d.payload);
          expect(JSON.parse(r.body)).toEqual(d.payload);
        }
        // The backoff doubles from the base: each wait at least as long as scheduled.
        const [a, b, c] = got.map((r) => r.at) as [number, number, number];
        expect(b - a).toBeGreaterThanOrEqual(BASE_MS);
        expect(c - b).toBeGreaterThanOrEqual(2 * BASE_MS);
        for (const at of d.attempts) expect(at.durationMs).toBeGreaterThanOrEqual(0);
      }
      // 105 crosses 100 for acme; globex at 91 crosses nothing new.
      await ingest([prompt('acme', 20), prompt('globex', 1)]);
      const second = await delivered(rule.id, 3, 'the crossing of 100');
      const hundred = second.filter((d) => d.threshold === 100);
      expect(hundred.map((d) => [d.subject, d.payload.data.value])).toEqual([['acme', 105]]);
      // Newest first.
      expect(second[0]?.id).toBe(hundred[0]?.id);
      // More for acme fires nothing; a new subject fires both thresholds in the same evaluation.
      await ingest([prompt('acme', 50), prompt('zz-first', 100)]);
      const third = await delivered(rule.id, 5, 'the sentinel subject crossing both');
      expect(
        third
          .filter((d) => d.subject === 'acme')
          .map((d) => d.threshold)
          .sort((a, b) => a - b),
      ).toEqual([80, 100]);
      expect(
        third
          .filter((d) => d.subject === 'zz-first')
          .map((d) => d.threshold)
          .sort((a, b) => a - b),
      ).toEqual([80, 100]);
      const state = await ok<{
        window: { from: string; to: string };
        lastEvaluatedAt?: string;
        subjects: {
          subject: string;
          value: number;
          thresholds: { threshold: number; fired: boolean }[];
        }[];
      }>(await send(`/api/v1/alerts/rules/${rule.id}/state`, 'GET'));
      expect(state.window).toEqual(month);
      expect(state.lastEvaluatedAt).toBeDefined();
      expect(
        state.subjects.map((s) => [s.subject, s.value, s.thresholds.map((t) => t.fired)]),
      ).toEqual([
        ['acme', 155, [true, true]],
        ['globex', 91, [true, false]],
        ['zz-first', 100, [true, true]],
      ]);
    });

    it('redelivers a delivery with the same webhook-id and keeps its attempts in the log', async () => {
      const [d] = (await deliveries(periodRule)).filter(
        (x) => x.subject === 'acme' && x.threshold === 80,
      );
      if (!d) throw new Error('no delivery to redeliver');
      expect(
        (await send(`/api/v1/alerts/deliveries/${d.id}/redeliver`, 'POST', undefined, otherKey))
          .status,
      ).toBe(404);
      const queued = await ok<Delivery>(
        await send(`/api/v1/alerts/deliveries/${d.id}/redeliver`, 'POST'),
        202,
      );
      expect(queued.status).toBe('pending');
      const after = await until('the redelivery', async () => {
        const x = (await deliveries(periodRule)).find((y) => y.id === d.id);
        return x?.status === 'delivered' && x.attempts.length === 4 && x;
      });
      expect(after.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200, 200]);
      const got = flaky.of(d.id);
      expect(got).toHaveLength(4);
      expect(verify(d, got[3] as WebhookReceiver['received'][number])).toEqual(d.payload);
    });

    it('evaluates a per-customer rule on the customer\u2019s subjects together, exactly', async () => {
      const customer = await ok<{ id: string }>(
        await send('/api/v1/customers', 'POST', {
          name: 'Acme Co',
          key: 'acme-co',
          usageAttribution: { subjectKeys: ['acme-a', 'acme-b'] },
        }),
        201,
      );
      const solo = await ok<{ id: string }>(
        await send('/api/v1/customers', 'POST', {
          name: 'Solo',
          key: 'solo-co',
          usageAttribution: { subjectKeys: ['solo'] },
        }),
        201,
      );
      const base = {
        meter: 'credits',
        endpointId: endpoints.steady,
        kind: 'period',
        period: 'MONTH',
      };
      // A filter of the other scope, or an unknown customer, is refused.
      for (const bad of [
        { per: 'customer', subjects: ['acme-a'] },
        { customers: ['acme-co'] },
        { per: 'customer', customers: ['nobody'] },
      ]) {
        const res = await send('/api/v1/alerts/rules', 'POST', {
          ...base,
          name: 'bad',
          thresholds: [1],
          ...bad,
        });
        expect(res.status, JSON.stringify(bad)).toBe(400);
      }
      const perCustomer = await ok<{ id: string; per: string }>(
        await send('/api/v1/alerts/rules', 'POST', {
          ...base,
          name: 'customer credits',
          per: 'customer',
          thresholds: [100],
        }),
        201,
      );
      expect(perCustomer.per).toBe('customer');
      // The same threshold per subject: the control that shows which subjects cross alone.
      const perSubject = await ok<{ id: string; per: string }>(
        await send('/api/v1/alerts/rules', 'POST', {
          ...base,
          name: 'subject credits',
          thresholds: [100],
        }),
        201,
      );
      expect(perSubject.per).toBe('subject');
      // Seats of Acme only (named by key, kept by id): 4 and 5 distinct users.
      const seats = await ok<{ id: string; customers: string[] }>(
        await send('/api/v1/alerts/rules', 'POST', {
          ...base,
          meter: 'seats',
          name: 'acme seats',
          per: 'customer',
          customers: ['acme-co'],
          thresholds: [4, 5],
        }),
        201,
      );
      expect(seats.customers).toEqual([customer.id]);

      const spend = (subject: string, credits: number, user: string) =>
        testEvent('spend', subject, Date.now() - 1000, { credits, user });
      // A subject of no customer crossing alone: the per-subject control fires, the per-customer
      // rules do not. Waiting for it also means the evaluation of every subject that creating
      // the rules asked for has run: from here on, only acknowledged subjects are evaluated.
      await ingest([spend('loner', 500, 'u1')]);
      const control = await delivered(perSubject.id, 1, 'the loner crossing');
      expect(control.map((x) => [x.subject, x.payload.data.value])).toEqual([['loner', 500]]);
      const batches = [
        [spend('acme-a', 60, 'u1'), spend('acme-a', 0, 'u2'), spend('acme-a', 0, 'u3')],
        [spend('acme-b', 30, 'u3')],
        // Acme reaches 110 (60 + 50: neither subject reaches 100 alone) and 4 distinct users
        // (5 if each subject were counted alone); Solo has 9 users but the seats rule watches
        // Acme only.
        [
          spend('acme-b', 20, 'u4'),
          spend('loner', 1, 'u1'),
          ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => spend('solo', 1, `s${i}`)),
        ],
      ];
      for (const b of batches) await ingest(b);
      const sent = batches.flat();
      const of = (subjects: string[]) => sent.filter((e) => subjects.includes(e.subject));
      const acme = of(['acme-a', 'acme-b']);
      const acmeCredits = acme.reduce((n, e) => n + Number(e.data?.credits), 0);
      const acmeUsers = new Set(acme.map((e) => String(e.data?.user))).size;
      expect([acmeCredits, acmeUsers]).toEqual([110, 4]);
      for (const subject of ['acme-a', 'acme-b']) {
        const mine = of([subject]).reduce((n, e) => n + Number(e.data?.credits), 0);
        expect(mine).toBeLessThan(100);
      }

      // The state is written after the crossings of its evaluation: once it shows the crossing,
      // every delivery of that evaluation is recorded.
      type CustomerState = {
        per: string;
        subjects: unknown[];
        customers: {
          customerId: string;
          customerKey?: string;
          value: number;
          thresholds: { threshold: number; fired: boolean }[];
        }[];
      };
      const stateNow = async (ruleId: string) =>
        ok<CustomerState>(await send(`/api/v1/alerts/rules/${ruleId}/state`, 'GET'));
      const crossed = await until('the customer crossing', async () => {
        const st = await stateNow(perCustomer.id);
        return st.customers.find((c) => c.customerId === customer.id)?.thresholds[0]?.fired && st;
      });
      expect(crossed.per).toBe('customer');
      expect(crossed.subjects).toEqual([]);
      // Only customers: the subject of no customer has no value here.
      expect(crossed.customers.map((c) => [c.customerId, c.customerKey, c.value]).sort()).toEqual(
        [
          [customer.id, 'acme-co', acmeCredits],
          [solo.id, 'solo-co', of(['solo']).reduce((n, e) => n + Number(e.data?.credits), 0)],
        ].sort(),
      );
      // Every crossing of the rule so far: the customer's, once.
      expect((await deliveries(perCustomer.id)).map((x) => [x.customerId, x.subject])).toEqual([
        [customer.id, undefined],
      ]);
      const [d, ...more] = await delivered(perCustomer.id, 1, 'the customer delivery');
      expect(more).toEqual([]);
      if (!d) throw new Error('no delivery');
      expect(d.customerId).toBe(customer.id);
      expect(d.subject).toBeUndefined();
      expect(d.payload.data).toMatchObject({
        rule: { id: perCustomer.id, per: 'customer', meter: 'credits' },
        customerId: customer.id,
        customerKey: 'acme-co',
        threshold: 100,
        value: acmeCredits,
        period: utcMonth(),
      });
      expect(d.payload.data.subject).toBeUndefined();
      const got = steady.of(d.id);
      expect(got).toHaveLength(1);
      expect(verify(d, got[0] as WebhookReceiver['received'][number])).toEqual(d.payload);

      // The per-subject control: still only the subject that crossed alone.
      const after = await deliveries(perSubject.id);
      expect(after.map((x) => [x.subject, x.payload.data.value])).toEqual([['loner', 500]]);

      // Unique users across Acme's subjects: the shared user counts once, so 4 fires and 5 not.
      const seatState = await until('the seats crossing', async () => {
        const st = await stateNow(seats.id);
        return st.customers.find((c) => c.customerId === customer.id)?.thresholds[0]?.fired && st;
      });
      expect(
        seatState.customers.map((c) => [c.customerId, c.value, c.thresholds.map((t) => t.fired)]),
      ).toEqual([[customer.id, acmeUsers, [true, false]]]);
      const seatDeliveries = await delivered(seats.id, 1, 'the seats delivery');
      expect(seatDeliveries.map((x) => [x.customerId, x.threshold, x.payload.data.value])).toEqual([
        [customer.id, 4, acmeUsers],
      ]);
      const seatGot = steady.of(seatDeliveries[0]?.id ?? '');
      expect(seatGot).toHaveLength(1);
      expect(
        verify(seatDeliveries[0] as Delivery, seatGot[0] as WebhookReceiver['received'][number]),
      ).toEqual(seatDeliveries[0]?.payload);
    });

    it('re-arms a rolling rule when its value falls back below the threshold', async () => {
      const rule = await ok<{ id: string }>(
        await send('/api/v1/alerts/rules', 'POST', {
          name: 'calls per minute',
          meter: 'calls',
          endpointId: endpoints.steady,
          kind: 'rolling',
          windowMinutes: 1,
          thresholds: [3],
          subjects: ['roller'],
        }),
        201,
      );
      const stamped = Date.now() - 45_000;
      await ingest([0, 1, 2].map(() => testEvent('call', 'roller', stamped, {})));
      const [first] = await delivered(rule.id, 1, 'the first rolling crossing');
      expect(first?.payload.data).toMatchObject({ subject: 'roller', value: 3, threshold: 3 });
      const window = first?.payload.data.period;
      expect(Date.parse(window?.to ?? '') - Date.parse(window?.from ?? '')).toBe(60_000);
      // Once the calls are out of the last minute, an event of the subject outside the window
      // triggers an evaluation that finds the value 0 and re-arms the threshold.
      await until('the calls to leave the window', () => Date.now() > stamped + 61_000, 90_000);
      await ingest([testEvent('call', 'roller', Date.now() - 86_400_000, {})]);
      await until('the re-arm', async () => {
        const s = await ok<{ subjects: { subject: string; thresholds: { fired: boolean }[] }[] }>(
          await send(`/api/v1/alerts/rules/${rule.id}/state`, 'GET'),
        );
        return s.subjects.find((x) => x.subject === 'roller')?.thresholds[0]?.fired === false;
      });
      await ingest([0, 1, 2].map(() => testEvent('call', 'roller', Date.now() - 1000, {})));
      const both = await delivered(rule.id, 2, 'the second rolling crossing');
      expect(new Set(both.map((d) => d.id)).size).toBe(2);
      // The filter by rule: only this rule's deliveries, and the period rule's are not among them.
      expect(both.every((d) => d.ruleId === rule.id)).toBe(true);
      const all = await deliveries();
      expect(
        all
          .filter((d) => d.ruleId === rule.id)
          .map((d) => d.id)
          .sort(),
      ).toEqual(both.map((d) => d.id).sort());
      expect(all.some((d) => d.ruleId === periodRule)).toBe(true);
    }, 180_000);

    it('survives a restart: a recorded crossing is not fired again, a pending delivery resumes', async () => {
      const rule = await ok<{ id: string }>(
        await send('/api/v1/alerts/rules', 'POST', {
          name: 'daily initech',
          meter: 'tokens',
          endpointId: endpoints.down,
          kind: 'period',
          period: 'DAY',
          thresholds: [5],
          subjects: ['initech'],
        }),
        201,
      );
      await ingest([prompt('initech', 10)]);
      const pending = await until('two failed attempts', async () => {
        const [d] = await deliveries(rule.id);
        return d && d.status === 'pending' && d.attempts.length >= 2 && d;
      });
      const periodBefore = await deliveries(periodRule);
      const sentBefore = flaky.received.length;
      server = await target.restart(server, ALERT_TEST_ENV);
      down.answer(() => 200);
      // Resumed by the first sweep at start: same webhook-id, the earlier attempts kept.
      const [resumed] = await delivered(rule.id, 1, 'the resumed delivery');
      expect(resumed?.id).toBe(pending.id);
      expect(resumed?.attempts.length).toBeGreaterThan(pending.attempts.length);
      expect(resumed?.attempts.at(-1)?.statusCode).toBe(200);
      const last = down.of(pending.id).at(-1);
      if (!last) throw new Error('the receiver saw nothing');
      expect(verify(pending, last)).toEqual(pending.payload);
      // acme is over both thresholds already: more of it fires nothing, after the restart too.
      // The new subject in the same batch proves that batch was evaluated.
      await ingest([prompt('acme', 5), prompt('zz-second', 100)]);
      const now = await delivered(periodRule, periodBefore.length + 2, 'the second sentinel');
      const acme = (ds: Delivery[]) =>
        ds.filter((d) => d.subject === 'acme').map((d) => [d.id, d.attempts.length]);
      expect(acme(now)).toEqual(acme(periodBefore));
      const second = now.filter((d) => d.subject === 'zz-second').map((d) => d.id);
      expect(second).toHaveLength(2);
      // Since the restart the receiver saw the new subject's two deliveries (3 attempts each), and
      // nothing else.
      const since = flaky.received.slice(sentBefore);
      expect(since).toHaveLength(6);
      expect(since.every((r) => second.includes(r.id))).toBe(true);
    }, 180_000);
  });
}
