// A group-by with more values than the dashboard shows by name: the chart and the breakdown table
// show the top groups (a missing value among them, as "(none)") and one "Other" for the rest. The
// expectation is computed here from the events sent, not read back from the server.
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithSecretKey, createMeter, type SentEvent, sendEvents } from './api-helpers';
import { chromiumAvailable, launchChromium } from './browser';
import { params, settle, shown, signIn, tableRows } from './dashboard-page';
import { type RunningTally, startTally } from './tally-server';

/** The groups the page names (docs/group-by-tails.md), restated here rather than imported. */
const TOP = 10;
const SLUG = 'tails_usage';

/** Team t00..t13 uses (i + 1) * 10; the events without a team use 55, between t04 and t05. */
function events(): SentEvent[] {
  const time = DateTime.utc().minus({ hours: 2 }).toISO() ?? '';
  const out: SentEvent[] = [];
  const one = (id: string, data: Record<string, unknown>): SentEvent => ({
    specversion: '1.0',
    id,
    source: 'tails-e2e',
    type: 'tails_call',
    subject: 'acme',
    time,
    data,
  });
  for (let i = 0; i < 14; i++) {
    const team = `t${String(i).padStart(2, '0')}`;
    // Two events per team, so a group's value is a sum of several rows.
    out.push(
      one(`${team}-a`, { team, n: (i + 1) * 4 }),
      one(`${team}-b`, { team, n: (i + 1) * 6 }),
    );
  }
  out.push(one('none-a', { n: 50 }), one('none-b', { n: 5 }));
  return out;
}

/** Group label -> value: the top TOP groups by sum (ties by key), the rest summed as "Other". */
function expectedTable(sent: SentEvent[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const e of sent) {
    const team = (e.data.team as string | undefined) ?? '(none)';
    sums.set(team, (sums.get(team) ?? 0) + (e.data.n as number));
  }
  const ranked = [...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const out = new Map(ranked.slice(0, TOP));
  out.set(
    'Other',
    ranked.slice(TOP).reduce((a, [, v]) => a + v, 0),
  );
  return out;
}

const run = chromiumAvailable();

describe.runIf(run)('dashboard: a group-by with more values than it names', () => {
  let tally: RunningTally;
  let browser: Browser;
  let key = '';
  const sent = events();

  beforeAll(async () => {
    tally = await startTally();
    browser = await launchChromium();
    ({ key } = await createAccountWithSecretKey(tally.url, tally.adminToken, 'tails-e2e'));
    await createMeter(tally.url, key, {
      slug: SLUG,
      aggregation: 'SUM',
      eventType: 'tails_call',
      valueProperty: '$.n',
      groupBy: { team: '$.team' },
    });
    await sendEvents(tally.url, key, sent);
  });

  afterAll(async () => {
    await browser?.close();
    await tally?.stop();
  });

  async function open(path: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => console.error('pageerror:', e.message));
    await p.goto(`${tally.url}${path}`);
    expect(await signIn(p, key)).toBe('ready');
    return p;
  }

  it('shows the top groups and one "Other" in the table and the chart', async () => {
    const p = await open(`/?meter=${SLUG}&range=last7d&window=DAY&groupBy=team`);
    const want = expectedTable(sent);
    // The missing team is among the top groups, apart from "Other".
    expect(want.has('(none)')).toBe(true);

    const rows = await tableRows(p);
    expect(new Map(rows.map((r) => [r.dims.join(' | '), r.value]))).toEqual(want);
    expect(await p.locator('#breakdown-table tbody tr.other td[data-dim]').textContent()).toBe(
      'Other',
    );

    const v = await shown(p);
    expect(params(v.queries.series).get('limit')).toBe(String(TOP));
    expect(params(v.queries.breakdown).get('limit')).toBe(String(TOP));
    const labels = v.chart.series.map((s) => s.label);
    expect(labels).toHaveLength(TOP + 1);
    expect(labels.at(-1)).toBe('Other');
    expect(labels).toContain('team: (none)');
    const other = v.chart.series.at(-1)?.values.reduce<number>((a, x) => a + (x ?? 0), 0);
    expect(other).toBe(want.get('Other'));
    // The legend names it too.
    const legend = await p.$$eval('.u-legend th', (ths) => ths.map((th) => th.textContent?.trim()));
    expect(legend).toContain('Other');

    // Sorted by team, "Other" stays last.
    await settle(p, () => p.click('th button[data-column="team"]'));
    const sorted = (await tableRows(p)).map((r) => r.dims.join(' | '));
    expect(sorted.at(-1)).toBe('Other');
    expect(sorted).toHaveLength(TOP + 1);
  });
});
