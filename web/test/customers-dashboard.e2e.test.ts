// Customers in the dashboard, in headless Chromium against a real Tally server: group the usage by
// customer (shown by key; subjects of no customer as "(none)") and filter by one customer. The
// expected numbers are counted from the events this test sends.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithSecretKey, createMeter, type SentEvent, sendEvents } from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { params, settle, shown, signIn } from './dashboard-page';
import { type RunningTally, startTally } from './tally-server';

const SUBJECTS = { a1: 3, a2: 2, g1: 4, loose: 1 } as const;
const CUSTOMERS = { acme: ['a1', 'a2'], globex: ['g1'] } as const;
const count = (subjects: readonly string[]) =>
  subjects.reduce((n, s) => n + (SUBJECTS[s as keyof typeof SUBJECTS] ?? 0), 0);

const run = chromiumAvailable();

describe.runIf(run)('customers in the dashboard', () => {
  let tally: RunningTally;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    const { key } = await createAccountWithSecretKey(
      tally.url,
      tally.adminToken,
      `customers-e2e-${Date.now()}`,
    );
    await createMeter(tally.url, key, { slug: 'calls', aggregation: 'COUNT', eventType: 'call' });
    const events: SentEvent[] = Object.entries(SUBJECTS).flatMap(([subject, n]) =>
      Array.from({ length: n }, (_, i) => ({
        specversion: '1.0' as const,
        id: `${subject}-${i}`,
        source: 'customers-e2e',
        type: 'call',
        subject,
        time: `2001-01-02T0${i}:00:00Z`,
        data: {},
      })),
    );
    await sendEvents(tally.url, key, events);
    for (const [customerKey, subjectKeys] of Object.entries(CUSTOMERS)) {
      const res = await fetch(`${tally.url}/api/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: customerKey,
          key: customerKey,
          usageAttribution: { subjectKeys },
        }),
      });
      expect(res.status).toBe(201);
    }
    page = await (await browser.newContext({ timezoneId: 'UTC' })).newPage();
    await page.goto(
      `${tally.url}/?meter=calls&range=custom&from=2001-01-01T00:00:00Z&to=2001-01-08T00:00:00Z`,
    );
    expect(await signIn(page, key)).toBe('ready');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await tally?.stop();
  });

  it('groups by customer: one row per customer by key, subjects of no customer apart', async () => {
    expect(await settle(page, () => page.check('#group-customer_id'))).toBe('ready');
    const v = await shown(page);
    expect(params(v.queries.breakdown).getAll('groupBy')).toEqual(['customer_id']);
    const table = Object.fromEntries(v.table.map((r) => [String(r.group.customer_id), r.value]));
    expect(table).toEqual({
      acme: count(CUSTOMERS.acme),
      globex: count(CUSTOMERS.globex),
      null: count(['loose']),
    });
    expect(await page.textContent('#breakdown')).toContain('acme');
    expect(v.total).toBe(count(Object.keys(SUBJECTS)));
  });

  it('filters by one customer, named by its key', async () => {
    await page.selectOption('#filter-add-dim', 'customer_id');
    await page.click('#filter-add');
    await page.fill('#filter-customer_id', 'globex');
    expect(await settle(page, () => page.dispatchEvent('#filter-customer_id', 'change'))).toBe(
      'ready',
    );
    const v = await shown(page);
    expect(params(v.queries.total).getAll('filterCustomerId')).toEqual(['globex']);
    expect(v.total).toBe(count(CUSTOMERS.globex));
    expect(v.table.map((r) => [r.group.customer_id, r.value])).toEqual([
      ['globex', count(CUSTOMERS.globex)],
    ]);
  });
});
