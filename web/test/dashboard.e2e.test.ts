// The dashboard in headless Chromium against a real Tally server with demo data: what the page shows
// must equal what the API returns for the same query.
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiGet,
  createPublishableKey,
  expectedSeriesCsv,
  type MeterInfo,
  queryRows,
  type Row,
  sendEventNow,
  totalsByGroup,
} from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { params, type Shown, settle, shown, signIn, tableRows } from './dashboard-page';
import { type RunningTally, startTally } from './tally-server';

const BROWSER_ZONE = 'America/New_York';
const run = chromiumAvailable();

describe.runIf(run)('dashboard in a real browser', () => {
  let tally: RunningTally;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let meter: MeterInfo;
  let dim: string | undefined;
  let accountId: string;

  const newPage = async (): Promise<{ ctx: BrowserContext; p: Page }> => {
    const ctx = await browser.newContext({
      timezoneId: BROWSER_ZONE,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => console.error('pageerror:', e.message));
    return { ctx, p };
  };

  /** Chart, table and total on screen equal the API's answers to the queries the page sent. */
  async function expectShownEqualsApi(key = tally.secretKey, p: Page = page): Promise<Shown> {
    const v = await shown(p);
    const seriesRows = await queryRows(tally.url, v.meter, v.queries.series, key);
    expect(v.rows).toEqual(seriesRows);
    // Chart: one series per group; per window and per series the same sums as the API rows.
    const perWindow = new Map<string, number>();
    for (const r of seriesRows)
      perWindow.set(r.windowStart, (perWindow.get(r.windowStart) ?? 0) + r.value);
    expect(v.chart.windowStarts).toEqual(
      [...perWindow.keys()].sort((a, b) => Date.parse(a) - Date.parse(b)),
    );
    v.chart.windowStarts.forEach((w, i) => {
      const sum = v.chart.series.reduce((a, s) => a + (s.values[i] ?? 0), 0);
      expect(sum).toBeCloseTo(perWindow.get(w) ?? 0, 6);
    });
    const groups = totalsByGroup(seriesRows, v.groupBy);
    expect(v.chart.series.length).toBe(groups.size || (seriesRows.length ? 1 : 0));
    const seriesTotals = v.chart.series
      .map((s) => s.values.reduce<number>((a, x) => a + (x ?? 0), 0))
      .sort();
    expect(seriesTotals).toEqual([...groups.values()].sort());
    // Table (as rendered in the DOM) equals the window-less query per group.
    const breakdown = await queryRows(tally.url, v.meter, v.queries.breakdown, key);
    const dom = await tableRows(p);
    const domTotals = new Map(dom.map((r) => [r.dims.join(' | '), r.value]));
    expect(domTotals).toEqual(totalsByGroup(breakdown, v.groupBy));
    const totalRows = await queryRows(tally.url, v.meter, v.queries.total, key);
    const total = totalRows.reduce((a, r) => a + r.value, 0);
    const domTotal = await p.getAttribute('#total-value', 'data-value');
    expect(Number(domTotal)).toBeCloseTo(total, 6);
    return v;
  }

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    const me = await apiGet<{ accountId: string }>(tally.url, '/api/v1/me', tally.secretKey);
    accountId = me.accountId;
    // The demo meter with the most recent usage and at least one dimension to group by.
    const meters = await apiGet<MeterInfo[]>(tally.url, '/api/v1/meters', tally.secretKey);
    const from = DateTime.utc().minus({ days: 7 }).toISO();
    let best = -1;
    for (const m of meters) {
      if (
        Object.keys(m.groupBy ?? {}).length === 0 ||
        (m.aggregation !== 'SUM' && m.aggregation !== 'COUNT')
      )
        continue;
      const rows = await queryRows(
        tally.url,
        m.slug,
        `from=${from}&groupBy=subject`,
        tally.secretKey,
      );
      if (rows.length > best) {
        best = rows.length;
        meter = m;
      }
    }
    expect(
      best,
      'demo data has a SUM or COUNT meter with a dimension and recent usage',
    ).toBeGreaterThan(0);
    dim = Object.keys(meter.groupBy)[0];
    ({ ctx: context, p: page } = await newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await tally?.stop();
  });

  it('says why sign-in failed for a bad key', async () => {
    await page.goto(`${tally.url}/`);
    expect(await signIn(page, 'sk_not_a_real_key')).toBe('error');
    const message = await page.textContent('#sign-in-error');
    expect(message).toMatch(/rejected \(401/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('is keyboard operable: labelled controls in order, visible focus', async () => {
    await page.goto(`${tally.url}/`);
    await page.waitForSelector('#api-key');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await page.keyboard.type(tally.secretKey);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sign-in-submit');
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).not.toBe('none');
    await settle(page, () => page.keyboard.press('Enter'));
    await page.focus('#meter');
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    expect(order).toEqual(['range', 'window', 'tz']);
    const unlabelled = await page.$$eval('#controls input, #controls select', (els) =>
      els
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label'))
        .map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
  });

  it('shows what the API returns as range, window, time zone and group-by change', async () => {
    await settle(page, () => page.selectOption('#meter', meter.slug));
    let v = await expectShownEqualsApi();
    expect(params(v.queries.series).get('windowTimeZone')).toBe(BROWSER_ZONE);

    await settle(page, () => page.selectOption('#range', 'today'));
    v = await expectShownEqualsApi();
    const startOfToday = DateTime.now().setZone(BROWSER_ZONE).startOf('day');
    expect(Date.parse(params(v.queries.series).get('from') ?? '')).toBe(startOfToday.toMillis());

    await settle(page, () => page.selectOption('#window', 'HOUR'));
    v = await expectShownEqualsApi();
    expect(params(v.queries.series).get('windowSize')).toBe('HOUR');

    await page.fill('#tz', 'Asia/Kathmandu');
    await settle(page, () => page.press('#tz', 'Enter'));
    v = await expectShownEqualsApi();
    const q = params(v.queries.series);
    expect(q.get('windowTimeZone')).toBe('Asia/Kathmandu');
    expect(Date.parse(q.get('from') ?? '')).toBe(
      DateTime.now().setZone('Asia/Kathmandu').startOf('day').toMillis(),
    );
    for (const r of v.rows)
      expect(DateTime.fromISO(r.windowStart).setZone('Asia/Kathmandu').minute).toBe(0);

    await settle(page, () => page.selectOption('#range', 'last7d'));
    await settle(page, () => page.selectOption('#window', 'DAY'));
    await settle(page, () => page.check('#group-subject'));
    if (dim) await settle(page, () => page.check(`#group-${dim}`));
    v = await expectShownEqualsApi();
    expect(params(v.queries.series).getAll('groupBy')).toEqual(['subject', ...(dim ? [dim] : [])]);
    expect(v.chart.series.length).toBeGreaterThan(1);

    await settle(page, () => page.check('#chart-bars'));
    await expectShownEqualsApi();
    expect(page.url()).toContain('chart=bars');

    // Sorting the table: by value ascending.
    await settle(page, () => page.click('th button[data-column="value"]'));
    const values = (await tableRows(page)).map((r) => r.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('filters by a dimension value', async () => {
    const v0 = await shown(page);
    const subject = v0.rows.find((r) => r.subject)?.subject;
    expect(subject).toBeTruthy();
    await page.selectOption('#filter-add-dim', 'subject');
    await settle(page, () => page.click('#filter-add'));
    await page.fill('#filter-subject', subject ?? '');
    await settle(page, () => page.press('#filter-subject', 'Enter'));
    const v = await expectShownEqualsApi();
    expect(params(v.queries.series).getAll('subject')).toEqual([subject]);
    for (const r of v.rows) expect(r.subject).toBe(subject);
    await settle(page, () => page.click('button[aria-label="Remove filter on subject"]'));
  });

  it('says so when there is no data, or the time zone is unknown', async () => {
    const original = page.url();
    const url = new URL(original);
    url.searchParams.set('range', 'custom');
    url.searchParams.set('from', '2001-01-01T00:00:00Z');
    url.searchParams.set('to', '2001-01-02T00:00:00Z');
    expect(await settle(page, () => page.goto(url.toString()))).toBe('empty');
    expect(await page.textContent('#status')).toMatch(/No usage recorded/);
    expect(await page.$('#breakdown-table tbody tr')).toBeNull();

    await page.fill('#tz', 'Mars/Olympus_Mons');
    expect(await settle(page, () => page.press('#tz', 'Enter'))).toBe('error');
    expect(await page.textContent('#status')).toMatch(/not a time zone/);
    expect(await page.getAttribute('#tz', 'aria-invalid')).toBe('true');
    // A reload keeps the tab's key: the link alone restores the earlier view.
    expect(await settle(page, () => page.goto(original))).toBe('ready');
    expect(await page.inputValue('#range')).toBe('last7d');
  });

  it('downloads CSV equal to what is shown', async () => {
    const v = await shown(page);
    const dir = join(tmpdir(), `tally-dl-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#download-series'),
    ]);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    const apiRows = await queryRows(tally.url, v.meter, v.queries.series, tally.secretKey);
    expect(csv).toBe(expectedSeriesCsv(apiRows, v.groupBy));

    const [tableDl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#download-table'),
    ]);
    const tableFile = join(dir, tableDl.suggestedFilename());
    await tableDl.saveAs(tableFile);
    const lines = readFileSync(tableFile, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe([...v.groupBy, 'value'].join(','));
    const dom = await tableRows(page);
    expect(lines.slice(1)).toEqual(
      dom.map((r) => [...r.dims.map((d) => (d === '(none)' ? '' : d)), r.value].join(',')),
    );
  });

  it('reopens the same view from a copied link (key not in the URL)', async () => {
    await settle(page, () => page.selectOption('#range', 'custom'));
    const from = DateTime.now().setZone('Asia/Kathmandu').minus({ days: 3 }).startOf('day');
    await page.fill('#custom-from', from.toFormat("yyyy-MM-dd'T'HH:mm"));
    await settle(page, () => page.dispatchEvent('#custom-from', 'change'));
    const before = await expectShownEqualsApi();
    expect(params(before.queries.series).get('from')).toBe(
      from.toUTC().toISO({ suppressMilliseconds: true }),
    );
    const link = page.url();
    expect(link).not.toContain(tally.secretKey);

    const { ctx, p } = await newPage();
    try {
      await p.goto(link);
      expect(await signIn(p, tally.secretKey)).toBe('ready');
      const after = await shown(p);
      expect(after.queries).toEqual(before.queries);
      expect(after.table).toEqual(before.table);
      expect(p.url()).toBe(link);
      expect(await p.inputValue('#tz')).toBe('Asia/Kathmandu');
      expect(await p.inputValue('#range')).toBe('custom');
      expect(await p.isChecked('#chart-bars')).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it('shows a subject-bound publishable key only its own subject', async () => {
    const all = await queryRows(
      tally.url,
      meter.slug,
      `from=${DateTime.utc().minus({ days: 7 }).toISO()}&groupBy=subject`,
      tally.secretKey,
    );
    const subject = all.find((r) => r.subject && r.value > 0)?.subject ?? '';
    expect(subject).not.toBe('');
    const pk = await createPublishableKey(tally.url, tally.adminToken, accountId, subject);
    const { ctx, p } = await newPage();
    try {
      await p.goto(`${tally.url}/?meter=${meter.slug}&range=last7d&groupBy=subject&window=DAY`);
      expect(await signIn(p, pk)).toBe('ready');
      expect(await p.textContent('#subject-badge')).toContain(subject);
      const v = await expectShownEqualsApi(pk, p);
      expect(v.rows.length).toBeGreaterThan(0);
      // Grouping by subject is not offered to a key that sees one subject (a link's is dropped).
      expect(await p.$('#group-subject')).toBeNull();
      expect(params(v.queries.series).getAll('groupBy')).toEqual([]);
      expect(await tableRows(p)).toHaveLength(1);
      // The same numbers the secret key sees for that subject alone.
      const own = await queryRows(
        tally.url,
        meter.slug,
        `${v.queries.total}&subject=${encodeURIComponent(subject)}`,
        tally.secretKey,
      );
      expect(v.total).toBeCloseTo(
        own.reduce((a, r: Row) => a + r.value, 0),
        6,
      );

      // The embeddable public number for the same key.
      await p.goto(
        `${tally.url}/embed?meter=${meter.slug}&key=${encodeURIComponent(pk)}&label=views`,
      );
      await p.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''));
      const embedRows = await queryRows(tally.url, meter.slug, '', pk);
      const shownNumber = Number(await p.getAttribute('#embed-value', 'data-value'));
      expect(shownNumber).toBeCloseTo(
        embedRows.reduce((a, r) => a + r.value, 0),
        6,
      );
      expect(await p.textContent('#embed-label')).toBe('views');
    } finally {
      await ctx.close();
    }
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const { ctx, p } = await newPage();
    try {
      await p.setViewportSize({ width: 375, height: 800 });
      await p.goto(`${tally.url}/?meter=${meter.slug}&range=last7d&groupBy=subject`);
      await signIn(p, tally.secretKey);
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await ctx.close();
    }
  });

  // Last: it adds an event (and a subject) that the screenshot should not show.
  it('refreshes the realtime tile by itself', async () => {
    // A subject of its own: the tile covers the trailing minute, from which the demo's last
    // events drop out while the test waits, so only this subject's total is predictable.
    const subject = `e2e-realtime-${Date.now()}`;
    await settle(page, () =>
      page.goto(`${tally.url}/?meter=${meter.slug}&range=today&filter[subject]=${subject}`),
    );
    await page.waitForFunction(
      () => document.querySelector('#realtime-value')?.getAttribute('data-value') === '0',
    );
    const value = meter.aggregation === 'COUNT' ? 1 : 7;
    await sendEventNow(tally.url, tally.secretKey, meter, subject, value);
    // No reload, no click: the tile polls (every 5 s) and shows the new event within the minute.
    await page.waitForFunction(
      (want) => document.querySelector('#realtime-value')?.getAttribute('data-value') === want,
      String(value),
      { timeout: 20_000 },
    );
    expect(await page.textContent('#realtime-status')).toMatch(/Updated/);
  });

  afterAll(async () => {
    await context?.close();
  });
});
