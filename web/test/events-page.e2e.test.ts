// The Events page in headless Chromium against a real Tally server: the rows, filters, detail and
// live tail must show exactly the events this test sent, into an account of its own.
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccountWithSecretKey,
  createMeter,
  createPublishableKey,
  type SentEvent,
  sendEvents,
} from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { settle, signIn } from './dashboard-page';
import {
  eventRows,
  loadAllEvents,
  openEvent,
  type ShownEventRow,
  shownVerdicts,
} from './events-view';
import { type RunningTally, startTally } from './tally-server';

const BROWSER_ZONE = 'America/New_York';
const run = chromiumAvailable();

/** The test's own rule for which events a meter cannot count: tokens_total needs a number. */
function hasProblem(e: SentEvent): boolean {
  return e.type === 'prompt' && typeof e.data.tokens !== 'number';
}

/** What the page must show for these events: newest event time first (ties: source, then id). */
function expectedRows(events: SentEvent[]): ShownEventRow[] {
  return [...events]
    .sort(
      (a, b) =>
        Date.parse(b.time) - Date.parse(a.time) ||
        a.source.localeCompare(b.source) ||
        a.id.localeCompare(b.id),
    )
    .map((e) => ({
      source: e.source,
      id: e.id,
      subject: e.subject,
      type: e.type,
      time: new Date(e.time).toISOString(),
      timeText: DateTime.fromISO(e.time).setZone(BROWSER_ZONE).toFormat('yyyy-MM-dd HH:mm:ss.SSS'),
      problem: hasProblem(e),
    }));
}

/** Rows as shown, with the time attribute normalised (the server may spell an instant its way). */
async function shownRows(page: Page): Promise<ShownEventRow[]> {
  return (await eventRows(page)).map((r) => ({ ...r, time: new Date(r.time).toISOString() }));
}

describe.runIf(run)('Events page in a real browser', () => {
  let tally: RunningTally;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let key: string;
  let accountId: string;
  const sent: SentEvent[] = [];
  // Well in the past and a whole minute apart: minute-precise time inputs can split them.
  const base = DateTime.utc().minus({ hours: 2 }).startOf('minute');

  const event = (
    i: number,
    id: string,
    source: string,
    type: string,
    subject: string,
    data: Record<string, unknown>,
  ): SentEvent => ({
    specversion: '1.0',
    id,
    source,
    type,
    subject,
    time: base.plus({ minutes: 2 * i, seconds: 7, milliseconds: i }).toISO() ?? '',
    data,
  });

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    ({ accountId, key } = await createAccountWithSecretKey(
      tally.url,
      tally.adminToken,
      `events-e2e-${Date.now()}`,
    ));
    await createMeter(tally.url, key, {
      slug: 'tokens_total',
      aggregation: 'SUM',
      eventType: 'prompt',
      valueProperty: '$.tokens',
      groupBy: { model: '$.model' },
    });
    await createMeter(tally.url, key, {
      slug: 'prompts',
      aggregation: 'COUNT',
      eventType: 'prompt',
    });
    await createMeter(tally.url, key, {
      slug: 'page_views',
      aggregation: 'COUNT',
      eventType: 'page_view',
      groupBy: { path: '$.path' },
    });
    const models = ['gpt-4', 'claude', 'llama'];
    for (let i = 0; i < 14; i++) {
      const subject = i % 3 === 0 ? 'cust-a' : 'cust-b';
      if (i % 4 === 1) {
        sent.push(event(i, `pv-${i}`, 'e2e-web', 'page_view', subject, { path: `/p/${i}` }));
        continue;
      }
      const data: Record<string, unknown> = { model: models[i % 3] };
      // Two a SUM meter cannot count: a word where a number belongs, and no value at all.
      if (i === 3) data.tokens = 'lots';
      else if (i !== 8) data.tokens = 10 * i + 1;
      sent.push(event(i, `pr-${i}`, 'e2e-svc', 'prompt', subject, data));
    }
    await sendEvents(tally.url, key, sent);
    expect(sent.filter(hasProblem).map((e) => e.id)).toEqual(['pr-3', 'pr-8']);

    context = await browser.newContext({
      timezoneId: BROWSER_ZONE,
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await tally?.stop();
  });

  it('offers Events to secret keys only', async () => {
    const pk = await createPublishableKey(tally.url, tally.adminToken, accountId, 'cust-a');
    const other = await browser.newContext({ timezoneId: BROWSER_ZONE });
    try {
      const p = await other.newPage();
      await p.goto(`${tally.url}/#events`);
      expect(await signIn(p, pk)).not.toBe('error');
      expect(await p.isVisible('#meter')).toBe(true);
      expect(await p.$('#nav-events')).toBeNull();
      expect(await p.$('#events-table')).toBeNull();
    } finally {
      await other.close();
    }

    await page.goto(`${tally.url}/`);
    expect(await signIn(page, key)).toBe('ready');
    expect(await page.getAttribute('#nav-usage', 'aria-current')).toBe('page');
    expect(await settle(page, () => page.click('#nav-events'))).toBe('ready');
    expect(new URL(page.url()).hash).toBe('#events');
    expect(await page.getAttribute('#nav-events', 'aria-current')).toBe('page');
  });

  it('lists the events sent, newest first, a page at a time', async () => {
    expect(await shownRows(page)).toEqual(expectedRows(sent));
    expect(await page.isVisible('#events-more')).toBe(false);

    expect(await settle(page, () => page.selectOption('#events-limit', '10'))).toBe('ready');
    expect(await shownRows(page)).toEqual(expectedRows(sent).slice(0, 10));
    expect(await page.isVisible('#events-more')).toBe(true);
    expect(await settle(page, () => page.click('#events-more'))).toBe('ready');
    expect(await shownRows(page)).toEqual(expectedRows(sent));
    expect(await page.isVisible('#events-more')).toBe(false);
  });

  it('filters by subject, event time and type, and shows only events with problems', async () => {
    await page.fill('#events-subject', 'cust-a');
    expect(await settle(page, () => page.click('#events-apply'))).toBe('ready');
    await loadAllEvents(page);
    const ofA = sent.filter((e) => e.subject === 'cust-a');
    expect(ofA.length).toBeGreaterThan(1);
    expect(await shownRows(page)).toEqual(expectedRows(ofA));

    // From the 6th event's minute on, as a wall time in the browser's zone.
    const from = base.plus({ minutes: 10 });
    await page.fill('#events-from', from.setZone(BROWSER_ZONE).toFormat("yyyy-MM-dd'T'HH:mm"));
    await page.fill('#events-type', 'prompt');
    expect(await settle(page, () => page.click('#events-apply'))).not.toBe('error');
    await loadAllEvents(page);
    const later = ofA.filter((e) => e.type === 'prompt' && Date.parse(e.time) >= from.toMillis());
    expect(later.length).toBeGreaterThan(0);
    expect(later.length).toBeLessThan(ofA.length);
    expect(await shownRows(page)).toEqual(expectedRows(later));

    expect(await settle(page, () => page.click('#events-clear'))).toBe('ready');
    await loadAllEvents(page);
    expect(await shownRows(page)).toEqual(expectedRows(sent));

    expect(await settle(page, () => page.check('#events-problems'))).not.toBe('error');
    await loadAllEvents(page);
    expect(await shownRows(page)).toEqual(expectedRows(sent.filter(hasProblem)));
  });

  it('explains a problem event: which meter does not count it and why', async () => {
    const bad = sent.find((e) => e.id === 'pr-3') as SentEvent;
    await openEvent(page, bad.source, bad.id);
    expect(await page.getAttribute('#event-detail', 'data-state')).toBe('ready');
    const v = await shownVerdicts(page);
    expect(Object.keys(v).sort()).toEqual(['page_views', 'prompts', 'tokens_total']);
    expect(v.tokens_total).toMatchObject({ counted: 'no', reason: 'not_a_number', value: null });
    expect(v.tokens_total?.reasonText).toContain('$.tokens');
    // The dimensions still come from an event whose value is unusable.
    expect(v.tokens_total?.dims).toEqual({ model: bad.data.model });
    expect(v.prompts).toMatchObject({ counted: 'yes', reason: null });
    expect(v.page_views).toMatchObject({ counted: 'no', reason: 'other_event_type' });
    const json = JSON.parse((await page.textContent('#event-json')) ?? '') as SentEvent;
    expect(json.data).toEqual(bad.data);
  });

  it('explains a counted event: the value and dimensions each meter took', async () => {
    // Clear keeps the page size (10): the older events need "Load more".
    expect(await settle(page, () => page.click('#events-clear'))).toBe('ready');
    await loadAllEvents(page);
    const good = sent.find((e) => e.id === 'pr-10') as SentEvent;
    await openEvent(page, good.source, good.id);
    const v = await shownVerdicts(page);
    expect(v.tokens_total).toMatchObject({
      counted: 'yes',
      aggregation: 'SUM',
      reason: null,
      value: String(good.data.tokens),
      dims: { model: good.data.model },
    });
    expect(v.prompts).toMatchObject({ counted: 'yes', aggregation: 'COUNT', reason: null });
    expect(v.page_views).toMatchObject({ counted: 'no', reason: 'other_event_type' });
    const json = JSON.parse((await page.textContent('#event-json')) ?? '') as SentEvent;
    expect({ ...json, time: new Date(json.time).toISOString() }).toEqual({
      ...good,
      time: new Date(good.time).toISOString(),
    });

    const view = sent.find((e) => e.type === 'page_view') as SentEvent;
    await openEvent(page, view.source, view.id);
    const pv = await shownVerdicts(page);
    expect(pv.page_views).toMatchObject({ counted: 'yes', dims: { path: view.data.path } });
    expect(pv.tokens_total).toMatchObject({ counted: 'no', reason: 'other_event_type' });
  });

  it('tails new events live, on top of the list', async () => {
    const before = await shownRows(page);
    expect(before).toEqual(expectedRows(sent));
    await page.check('#events-tail');
    // The tail's first poll has answered: what comes now is new to it.
    await page.waitForFunction(
      () => /checked/.test(document.querySelector('#tail-status')?.textContent ?? ''),
      undefined,
      { timeout: 30_000 },
    );
    const fresh = {
      ...event(0, `tail-${Date.now()}`, 'e2e-svc', 'prompt', 'cust-c', {
        tokens: 5,
        model: 'gpt-4',
      }),
      time: new Date().toISOString(),
    };
    await sendEvents(tally.url, key, [fresh]);
    // No reload, no click: the poll every 2 s brings it.
    await page.waitForFunction(
      (id) => document.querySelector('#events-table tbody tr')?.getAttribute('data-id') === id,
      fresh.id,
      { timeout: 30_000 },
    );
    expect(await shownRows(page)).toEqual([...expectedRows([fresh]), ...before]);
    expect(await page.textContent('#tail-status')).toMatch(/1 new/);
    await page.uncheck('#events-tail');
    expect(await page.textContent('#tail-status')).toMatch(/off/);
  });

  it('goes back to the usage dashboard', async () => {
    expect(await settle(page, () => page.click('#nav-usage'))).not.toBe('error');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.isVisible('#meter')).toBe(true);
    expect(await page.$('#events-table')).toBeNull();
  });
});
