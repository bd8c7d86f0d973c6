// The dashboard's limits and states at phone and desktop width: the window follows the range and
// never draws more than MAX points per series, the empty state, the resting legend, errors that
// clear the chart, what a subject-bound key is offered, the documented embed, folded controls.
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiGet,
  createPublishableKey,
  type MeterInfo,
  queryRows,
  totalsByGroup,
} from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { type Plotted, params, settle, shown, signIn } from './dashboard-page';
import { type RunningTally, startTally } from './tally-server';

const BROWSER_ZONE = 'America/New_York';
/** The cap the page promises (docs/dashboard.md), restated here rather than imported. */
const MAX_POINTS = 2000;
const ALL_TIME = 'from=1970-01-01T00:00:00Z';
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
/** TALLY_SCREENSHOTS=docs refreshes docs/dashboard.png and dashboard-phone.png; else a temp folder. */
const shotDir =
  process.env.TALLY_SCREENSHOTS === 'docs' ? docs : join(tmpdir(), 'tally-dashboard-shots');

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
type Viewport = (typeof VIEWPORTS)[number];

const run = chromiumAvailable();

describe.runIf(run)('dashboard views at phone and desktop width', () => {
  let tally: RunningTally;
  let browser: Browser;
  let meter: MeterInfo;
  let dims: string[];
  let accountId: string;
  const contexts: BrowserContext[] = [];

  async function open(vp: Viewport, path: string, key = tally.secretKey): Promise<Page> {
    const ctx = await browser.newContext({
      timezoneId: BROWSER_ZONE,
      viewport: { width: vp.width, height: vp.height },
    });
    contexts.push(ctx);
    const p = await ctx.newPage();
    p.on('pageerror', (e) => console.error('pageerror:', e.message));
    await p.goto(`${tally.url}${path}`);
    await signIn(p, key);
    return p;
  }

  /** Opens the folded settings on a phone; a no-op on wide screens where they always show. */
  async function showControls(p: Page): Promise<void> {
    if (!(await p.isVisible('#meter'))) await p.click('#controls-toggle');
    expect(await p.isVisible('#meter')).toBe(true);
  }

  const plotted = async (p: Page): Promise<Plotted> => (await shown(p)).plotted;
  const canvases = (p: Page): Promise<number> => p.locator('#chart canvas').count();

  /** Window starts the API returns for the page's own chart query: what uPlot must be given. */
  async function apiWindows(p: Page, key = tally.secretKey): Promise<number> {
    const v = await shown(p);
    const rows = await queryRows(tally.url, v.meter, v.queries.series, key);
    return new Set(rows.map((r) => r.windowStart)).size;
  }

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    accountId = (await apiGet<{ accountId: string }>(tally.url, '/api/v1/me', tally.secretKey))
      .accountId;
    // A SUM or COUNT demo meter with two or more dimensions and usage last month.
    const meters = await apiGet<MeterInfo[]>(tally.url, '/api/v1/meters', tally.secretKey);
    const lastMonth = DateTime.now().setZone(BROWSER_ZONE).startOf('month').minus({ months: 1 });
    for (const m of meters) {
      if (Object.keys(m.groupBy).length < 2 || !['SUM', 'COUNT'].includes(m.aggregation)) continue;
      const rows = await queryRows(
        tally.url,
        m.slug,
        `from=${encodeURIComponent(lastMonth.toISO() ?? '')}&groupBy=subject`,
        tally.secretKey,
      );
      if (rows.length > 1) {
        meter = m;
        break;
      }
    }
    expect(meter, 'demo data has a meter with two dimensions and usage').toBeDefined();
    dims = Object.keys(meter.groupBy);
    mkdirSync(shotDir, { recursive: true });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await tally?.stop();
  });

  for (const vp of VIEWPORTS) {
    describe(vp.name, () => {
      it('replaces a window too fine for the range and stays under the point cap', async () => {
        const p = await open(vp, `/?meter=${meter.slug}&range=today&window=MINUTE`);
        expect(params((await shown(p)).queries.series).get('windowSize')).toBe('MINUTE');

        // Minute over last month: the finest window with at most MAX_POINTS windows instead.
        const from = DateTime.now().setZone(BROWSER_ZONE).startOf('month').minus({ months: 1 });
        const to = from.plus({ months: 1 });
        const hours = Math.round(to.diff(from, 'hours').hours);
        expect(hours * 4).toBeGreaterThan(MAX_POINTS); // so 15-minute windows do not fit either
        await showControls(p);
        expect(await settle(p, () => p.selectOption('#range', 'lastmonth'))).toBe('ready');
        const v = await shown(p);
        expect(params(v.queries.series).get('windowSize')).toBe('HOUR');
        expect(new URL(p.url()).searchParams.get('window')).toBe('HOUR');
        const note = (await p.textContent('#window-note')) ?? '';
        expect(note).toContain((hours * 60).toLocaleString('en-US'));
        expect(await p.isVisible('#window-note')).toBe(true);
        expect(
          await p.$eval('#window option[value="MINUTE"]', (o) => (o as HTMLOptionElement).disabled),
        ).toBe(true);
        const drawn = await plotted(p);
        expect(drawn.points).toBe(await apiWindows(p));
        expect(drawn.points).toBe(hours);

        // Two group-bys: many series, each still under the cap.
        await settle(p, () => p.check('#group-subject'));
        await settle(p, () => p.check(`#group-${dims[0]}`));
        const grouped = await plotted(p);
        expect(grouped.perSeries.length).toBeGreaterThan(1);
        for (const n of grouped.perSeries) expect(n).toBeLessThanOrEqual(MAX_POINTS);
        expect(grouped.points).toBe(await apiWindows(p));

        // Auto follows the range: day windows for a month, one per calendar day in the zone.
        await settle(p, () => p.selectOption('#window', 'auto'));
        await settle(p, () => p.selectOption('#range', 'today'));
        // Documented Auto: minute up to 3 h, 15 minutes up to 36 h.
        const now = DateTime.now().setZone(BROWSER_ZONE);
        const todayHours = now.diff(now.startOf('day'), 'hours').hours;
        expect(params((await shown(p)).queries.series).get('windowSize')).toBe(
          todayHours <= 3 ? 'MINUTE' : 'PT15M',
        );
        await settle(p, () => p.selectOption('#range', 'lastmonth'));
        expect(params((await shown(p)).queries.series).get('windowSize')).toBe('DAY');
        expect((await plotted(p)).points).toBe(to.diff(from, 'days').days);
        expect(await p.textContent('#window-note')).toBe('');
      });

      it('shows the documented empty state, and a legend with values before any hover', async () => {
        const p = await open(
          vp,
          `/?meter=${meter.slug}&range=custom&from=2001-01-01T00:00:00Z&to=2001-01-08T00:00:00Z`,
        );
        expect(await p.evaluate(() => document.body.dataset.state)).toBe('empty');
        // docs/dashboard.md: "No usage recorded for … in this range" when nothing matched.
        const documented = /"(No usage recorded for) … (in this range)"/.exec(
          readFileSync(join(docs, 'dashboard.md'), 'utf8'),
        );
        expect(documented).not.toBeNull();
        const status = (await p.textContent('#status')) ?? '';
        expect(status.startsWith(`${documented?.[1]} ${meter.slug} ${documented?.[2]}`)).toBe(true);
        expect(await canvases(p)).toBe(0);
        expect(await p.locator('#breakdown-table').count()).toBe(0);

        await showControls(p);
        await settle(p, () => p.selectOption('#range', 'last7d'));
        await settle(p, () => p.check(`#group-${dims[0]}`));
        expect(await canvases(p)).toBeGreaterThan(0);
        const v = await shown(p);
        const breakdown = totalsByGroup(
          await queryRows(tally.url, meter.slug, v.queries.breakdown, tally.secretKey),
          v.groupBy,
        );
        const legend = await p.$$eval('.u-legend tr', (trs) =>
          trs.map((tr) => ({
            label: tr.querySelector('th')?.textContent?.trim() ?? '',
            value: tr.querySelector('td')?.textContent?.trim() ?? '',
          })),
        );
        expect(legend[0]).toEqual({ label: 'Window', value: 'whole range' });
        expect(legend.length - 1).toBe(breakdown.size);
        for (const row of legend.slice(1)) {
          const group = row.label.replace(`${dims[0]}: `, '');
          expect(Number(row.value.replace(/[^\d.-]/g, ''))).toBeCloseTo(
            breakdown.get(group) ?? Number.NaN,
            3,
          );
        }
        // Hovering shows one window's values instead.
        await p.locator('#chart .u-over').hover();
        const hovered = await p.textContent('.u-legend tr:first-child td');
        expect(hovered).toMatch(/^\d{4}-\d{2}-\d{2}/);
      });

      it('clears the chart when a view fails', async () => {
        const p = await open(vp, `/?meter=${meter.slug}&range=last7d`);
        expect(await canvases(p)).toBeGreaterThan(0);
        // A server error: every usage query fails from here on.
        const usageQuery = (u: URL): boolean => u.pathname.endsWith('/query');
        await p.route(usageQuery, (r) =>
          r.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({ title: 'Service Unavailable', detail: 'store is restarting' }),
          }),
        );
        await showControls(p);
        expect(await settle(p, () => p.selectOption('#range', 'today'))).toBe('error');
        expect(await p.textContent('#status')).toMatch(/503 Service Unavailable/);
        expect(await canvases(p)).toBe(0);
        expect(await p.locator('#breakdown-table').count()).toBe(0);
        expect(await p.textContent('#total-value')).toBe('–');
        await p.unroute(usageQuery);

        // A problem found before any query (an unknown zone) clears a drawn chart too.
        expect(await settle(p, () => p.selectOption('#range', 'last7d'))).toBe('ready');
        expect(await canvases(p)).toBeGreaterThan(0);
        await p.fill('#tz', 'Mars/Olympus_Mons');
        expect(await settle(p, () => p.press('#tz', 'Enter'))).toBe('error');
        expect(await canvases(p)).toBe(0);
        expect(await p.locator('#breakdown-table').count()).toBe(0);
      });

      it('folds the settings away on a phone only', async () => {
        const p = await open(vp, `/?meter=${meter.slug}&range=last7d&groupBy=${dims[0]}`);
        // The first screen as it opens, for docs/dashboard.md (and for a person to look at).
        // docs/dashboard.png (desktop; the README shows it too) and docs/dashboard-phone.png.
        const shot = vp.name === 'phone' ? 'dashboard-phone.png' : 'dashboard.png';
        await p.screenshot({ path: join(shotDir, shot) });
        const canvas = await p.locator('#chart canvas').first().boundingBox();
        if (!canvas) throw new Error('no chart');
        if (vp.name === 'phone') {
          expect(await p.isVisible('#controls-toggle')).toBe(true);
          expect(await p.isVisible('#meter')).toBe(false);
          // The whole chart is on the first screen.
          expect(canvas.y + canvas.height).toBeLessThanOrEqual(vp.height);
          await p.click('#controls-toggle');
          expect(await p.getAttribute('#controls-toggle', 'aria-expanded')).toBe('true');
          expect(await p.isVisible('#meter')).toBe(true);
          await settle(p, () => p.selectOption('#range', 'today'));
          expect(await p.textContent('#controls-toggle')).toContain('Today');
          await p.click('#controls-toggle');
          expect(await p.isVisible('#meter')).toBe(false);
        } else {
          expect(await p.isVisible('#controls-toggle')).toBe(false);
          expect(await p.isVisible('#meter')).toBe(true);
        }
        const overflow = await p.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
      });
    });
  }

  it('offers a subject-bound key only meters and dimensions its subject has usage in', async () => {
    const subjects = await apiGet<string[]>(
      tally.url,
      `/api/v1/meters/${meter.slug}/subjects?${ALL_TIME}`,
      tally.secretKey,
    );
    const subject = subjects[0] ?? '';
    expect(subject).not.toBe('');
    // A meter of the same events with one dimension no event carries.
    const extra = `${meter.slug.slice(0, 30)}_e2e_${Date.now().toString(36)}`;
    const created = await fetch(`${tally.url}/api/v1/meters`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tally.secretKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        slug: extra,
        aggregation: meter.aggregation,
        eventType: meter.eventType,
        valueProperty: meter.valueProperty,
        groupBy: { [dims[0] ?? '']: meter.groupBy[dims[0] ?? ''], e2e_absent: '$.e2e_absent' },
      }),
    });
    expect(created.status).toBe(201);
    const pk = await createPublishableKey(tally.url, tally.adminToken, accountId, subject);

    // Expected independently: meters with rows for this key over all time.
    const all = await apiGet<MeterInfo[]>(tally.url, '/api/v1/meters', pk);
    const usable: string[] = [];
    for (const m of all) {
      if ((await queryRows(tally.url, m.slug, ALL_TIME, pk)).length > 0) usable.push(m.slug);
    }
    expect(usable).toContain(extra);
    expect(usable.length).toBeLessThan(all.length);

    // All of history: a new meter's backfill may not reach the latest days yet on a fresh store.
    const everything = `range=custom&from=2000-01-01T00:00:00Z&to=${DateTime.utc().plus({ days: 1 }).startOf('day').toISO({ suppressMilliseconds: true })}`;
    for (const vp of VIEWPORTS) {
      const p = await open(vp, `/?meter=${extra}&${everything}&groupBy=subject`, pk);
      expect(
        await p.evaluate(() => document.body.dataset.state),
        (await p.textContent('#status')) ?? '',
      ).toBe('ready');
      await showControls(p);
      const offered = await p.$$eval('#meter option', (os) =>
        os.map((o) => (o as HTMLOptionElement).value),
      );
      expect(offered.sort()).toEqual([...usable].sort());
      const groupBoxes = await p.$$eval('#group-by input', (is) => is.map((i) => i.id));
      expect(groupBoxes).toEqual([`group-${dims[0]}`]);
      const filterDims = await p.$$eval('#filter-add-dim option', (os) =>
        os.map((o) => (o as HTMLOptionElement).value),
      );
      expect(filterDims).toEqual([dims[0]]);
      // groupBy=subject from a shared link is dropped: it would show the one subject anyway.
      expect(params((await shown(p)).queries.series).getAll('groupBy')).toEqual([]);
    }
  });

  it('shows the embed example from docs/dashboard.md with the printed publishable key', async () => {
    const key = tally.printedPublishableKey;
    expect(key, 'the demo prints a publishable key').toMatch(/^pk_/);
    const md = readFileSync(join(docs, 'dashboard.md'), 'utf8');
    const example = /src="https?:\/\/[^/"]+(\/embed\?[^"]+)"/.exec(md)?.[1];
    expect(example, 'docs/dashboard.md has an embed example').toBeTruthy();
    const path = (example ?? '').replace(/pk_…/, encodeURIComponent(key));
    for (const vp of VIEWPORTS) {
      const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
      contexts.push(ctx);
      const p = await ctx.newPage();
      await p.goto(`${tally.url}${path}`);
      await p.waitForFunction(() =>
        ['ready', 'empty', 'error'].includes(document.body.dataset.state ?? ''),
      );
      expect(await p.evaluate(() => document.body.dataset.state)).toBe('ready');
      // The same total the API gives that key for the example's own parameters.
      const q = new URLSearchParams(path.split('?')[1]);
      const query = new URLSearchParams();
      for (const [n, v] of q) if (['from', 'to', 'subject'].includes(n)) query.append(n, v);
      const rows = await queryRows(tally.url, q.get('meter') ?? '', query.toString(), key);
      const want = rows.reduce((a, r) => a + r.value, 0);
      expect(want).toBeGreaterThan(0);
      expect(Number(await p.getAttribute('#embed-value', 'data-value'))).toBeCloseTo(want, 6);
    }
  });
});
