// The API reference page (/docs) in headless Chromium against a real Tally server: it renders
// every operation of the server's own /openapi.json, loads nothing from another origin, and its
// "Try it out" sends the key typed into the page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './browser';
import { type RunningTally, startTally } from './tally-server';

const run = chromiumAvailable();
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

describe.runIf(run)('API reference page in a real browser', () => {
  let tally: RunningTally;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${tally.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');
  });

  afterAll(async () => {
    await browser?.close();
    await tally?.stop();
  });

  it('lists every operation of /openapi.json, the usage query among them', async () => {
    const doc = (await (await fetch(`${tally.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    const shown = (
      await page.$$eval('.opblock-summary', (blocks) =>
        blocks.map((b) => {
          const method = b.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '';
          const path = b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
          return `${method} ${path}`;
        }),
      )
    ).sort();
    expect(shown).toEqual(expected);
    expect(shown).toContain('GET /api/v1/meters/{meterIdOrSlug}/query');
    expect(shown).toContain('POST /api/v1/meters/{meterIdOrSlug}/query');
  });

  it('loads nothing from another origin (no CDN)', () => {
    const foreign = requested.filter(
      (u) => !u.startsWith(`${tally.url}/`) && !u.startsWith('data:'),
    );
    expect(foreign).toEqual([]);
    expect(requested).toContain(`${tally.url}/openapi.json`);
  });

  it('"Try it out" sends the key typed into the page', async () => {
    await page.fill('#docs-key', tally.secretKey);
    const op = page.locator('.opblock', {
      has: page.locator('.opblock-summary-path[data-path="/api/v1/me"]'),
    });
    await op.locator('.opblock-summary').first().click();
    await op.locator('.try-out__btn').click();
    const answer = page.waitForResponse((r) => r.url() === `${tally.url}/api/v1/me`);
    await op.locator('.execute').click();
    const res = await answer;
    expect(res.status()).toBe(200);
    expect(res.request().headers().authorization).toBe(`Bearer ${tally.secretKey}`);
    const me = (await (
      await fetch(`${tally.url}/api/v1/me`, {
        headers: { Authorization: `Bearer ${tally.secretKey}` },
      })
    ).json()) as { accountId: string };
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect(await status.textContent()).toContain('200');
    expect(await op.locator('.responses-wrapper').textContent()).toContain(me.accountId);
  });
});
