// The Alerts page in headless Chromium against a real Tally server: a webhook endpoint and a rule
// made through the page, events sent through the API, and the crossing seen in the page's
// delivery log and at a real receiver on loopback (signature checked with the secret the page
// showed once).
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, until, type WebhookReceiver } from '../../test/support/webhook-receiver';
import { createAccountWithSecretKey, createMeter, sendEvents } from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { signIn } from './dashboard-page';
import { type RunningTally, startTally } from './tally-server';

const run = chromiumAvailable();

describe.runIf(run)('Alerts page in a real browser', () => {
  let tally: RunningTally;
  let browser: Browser;
  let page: Page;
  let key: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startReceiver(() => 200);
    tally = await startTally();
    browser = await launchChromium();
    ({ key } = await createAccountWithSecretKey(
      tally.url,
      tally.adminToken,
      `alerts-e2e-${Date.now()}`,
    ));
    await createMeter(tally.url, key, {
      slug: 'tokens',
      aggregation: 'SUM',
      eventType: 'prompt',
      valueProperty: '$.tokens',
    });
    page = await (await browser.newContext()).newPage();
    await page.goto(tally.url);
    await signIn(page, key);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await tally?.stop();
    await receiver?.close();
  });

  it('creates a rule and shows it fire', async () => {
    await page.click('#nav-alerts');
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    await page.fill('#alert-endpoint-url', receiver.url);
    await page.click('#alert-endpoint-add');
    const secretText = await (
      await page.waitForSelector('#alert-endpoint-secret code')
    ).textContent();
    const secret = secretText ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(await page.textContent('#alert-endpoints')).toContain(receiver.url);

    await page.fill('#alert-rule-name', 'big spender');
    await page.selectOption('#alert-rule-meter', 'tokens');
    await page.fill('#alert-rule-thresholds', '50');
    await page.fill('#alert-rule-subjects', 'acme');
    await page.click('#alert-rule-create');
    await page.waitForSelector('#alert-rules tbody tr[data-rule]');
    expect(await page.textContent('#alert-rules tbody')).toContain('big spender');

    // 30 + 30 tokens for acme: 60 crosses 50 once; globex is not watched.
    const now = Date.now() - 1000;
    await sendEvents(
      tally.url,
      key,
      [
        ['acme', 30],
        ['acme', 30],
        ['globex', 500],
      ].map(([subject, tokens], i) => ({
        specversion: '1.0' as const,
        id: `alert-e2e-${i}`,
        source: 'e2e',
        type: 'prompt',
        subject: String(subject),
        time: new Date(now).toISOString(),
        data: { tokens },
      })),
    );

    const row = await page.waitForSelector('#alert-deliveries tr[data-status="delivered"]', {
      timeout: 60_000,
    });
    const id = (await row.getAttribute('data-delivery')) ?? '';
    expect(await row.$eval('td.subject', (td) => td.textContent)).toBe('acme');
    expect(await page.$$('#alert-deliveries tr[data-delivery]')).toHaveLength(1);

    const [got] = await until(
      'the webhook at the receiver',
      () => receiver.of(id).length === 1 && receiver.of(id),
    );
    if (!got) throw new Error('no webhook');
    const payload = new Webhook(secret).verify(got.body, {
      'webhook-id': got.id,
      'webhook-timestamp': got.timestamp,
      'webhook-signature': got.signature,
    }) as { data: { subject: string; value: number; threshold: number; rule: { name: string } } };
    expect(payload.data).toMatchObject({
      subject: 'acme',
      value: 60,
      threshold: 50,
      rule: { name: 'big spender' },
    });
    expect(receiver.received).toHaveLength(1);

    // The rule's state: acme at 60 with 50 fired.
    await page.click('#alert-rules tbody tr[data-rule] button');
    const state = await page.waitForSelector('#alert-state-table tr[data-subject="acme"]');
    expect(await state.$$eval('td', (tds) => tds.map((td) => td.textContent))).toEqual([
      'acme',
      '60',
      '50',
    ]);
  }, 120_000);

  it('creates a per-customer rule: the customer\u2019s subjects cross together', async () => {
    const res = await fetch(`${tally.url}/api/v1/customers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Team',
        key: 'team-co',
        usageAttribution: { subjectKeys: ['team-a', 'team-b'] },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const customer = (await res.json()) as { id: string };
    await page.fill('#alert-rule-name', 'team spend');
    await page.selectOption('#alert-rule-meter', 'tokens');
    await page.fill('#alert-rule-thresholds', '100');
    await page.selectOption('#alert-rule-per', 'customer');
    expect(await page.isDisabled('#alert-rule-subjects')).toBe(true);
    await page.fill('#alert-rule-customers', 'team-co');
    await page.click('#alert-rule-create');
    await page.waitForSelector('#alert-rules tbody tr[data-rule]:nth-child(2)');
    expect(await page.textContent('#alert-rules tbody')).toContain(`customers: ${customer.id}`);

    // 60 + 50 tokens: neither subject reaches 100 alone, the customer does.
    const now = Date.now() - 1000;
    await sendEvents(
      tally.url,
      key,
      [
        ['team-a', 60],
        ['team-b', 50],
      ].map(([subject, tokens], i) => ({
        specversion: '1.0' as const,
        id: `alert-e2e-team-${i}`,
        source: 'e2e',
        type: 'prompt',
        subject: String(subject),
        time: new Date(now).toISOString(),
        data: { tokens },
      })),
    );
    const row = await page.waitForSelector(
      '#alert-deliveries td.subject:text("customer team-co")',
      {
        timeout: 60_000,
      },
    );
    expect(await row.textContent()).toBe('customer team-co');
    await page.click('#alert-rules tbody tr[data-rule]:nth-child(2) button');
    const state = await page.waitForSelector(
      `#alert-state-table tr[data-customer="${customer.id}"]`,
    );
    expect(await state.$$eval('td', (tds) => tds.map((td) => td.textContent))).toEqual([
      'team-co',
      '110',
      '100',
    ]);
  }, 120_000);
});
