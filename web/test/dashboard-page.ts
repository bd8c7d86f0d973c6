// Driving the dashboard page the way a person does, and reading back what it shows.
import type { Page } from 'playwright-core';

export interface Shown {
  meter: string;
  queries: { series: string; breakdown: string; total: string };
  groupBy: string[];
  rows: {
    value: number;
    windowStart: string;
    windowEnd: string;
    subject: string | null;
    groupBy?: Record<string, string | null>;
  }[];
  chart: {
    windowStarts: string[];
    x: number[];
    series: { label: string; values: (number | null)[] }[];
  };
  table: { group: Record<string, string | null>; value: number }[];
  total: number | null;
  plotted: Plotted;
}

/** What uPlot was given: points on the x axis and the length of every drawn series. */
export interface Plotted {
  points: number;
  perSeries: number[];
}

const SETTLED = ['ready', 'empty', 'error'];

/** Runs `action` and waits until the page has finished the load it started. */
export async function settle(page: Page, action: () => Promise<unknown>): Promise<string> {
  await page.evaluate(() => {
    document.body.dataset.state = 'stale';
  });
  await action();
  await page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ''), SETTLED, {
    timeout: 30_000,
  });
  return (await page.evaluate(() => document.body.dataset.state)) ?? '';
}

export async function signIn(page: Page, key: string): Promise<string> {
  await page.waitForSelector('#api-key');
  await page.fill('#api-key', key);
  return settle(page, () => page.click('#sign-in-submit'));
}

export async function shown(page: Page): Promise<Shown> {
  const v = await page.evaluate(() => (window as unknown as { __tally?: unknown }).__tally);
  if (!v) throw new Error('the page exposes no data (window.__tally)');
  return v as Shown;
}

/** The breakdown table as rendered: dimension cells' text and the exact value per row. */
export async function tableRows(page: Page): Promise<{ dims: string[]; value: number }[]> {
  return page.$$eval('#breakdown-table tbody tr', (trs) =>
    trs.map((tr) => ({
      dims: [...tr.querySelectorAll('td[data-dim]')].map((td) => td.textContent ?? ''),
      value: Number(tr.querySelector('td[data-value]')?.getAttribute('data-value')),
    })),
  );
}

export function params(query: string): URLSearchParams {
  return new URLSearchParams(query);
}
