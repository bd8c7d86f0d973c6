// Driving the Events page the way a person does, and reading back what it shows.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { settle } from './dashboard-page';

export interface ShownEventRow {
  source: string;
  id: string;
  subject: string;
  type: string;
  /** The <time datetime> of the row; `timeText` is what a person reads. */
  time: string;
  timeText: string;
  /** Whether the problem marker is shown. */
  problem: boolean;
}

export async function eventRows(page: Page): Promise<ShownEventRow[]> {
  return page.$$eval('#events-table tbody tr[data-testid="event-row"]', (trs) =>
    trs.map((tr) => {
      const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`)?.textContent ?? '';
      return {
        source: tr.getAttribute('data-source') ?? '',
        id: tr.getAttribute('data-id') ?? '',
        subject: cell('subject'),
        type: cell('type'),
        time: tr.querySelector('time')?.getAttribute('datetime') ?? '',
        timeText: tr.querySelector('time')?.textContent ?? '',
        problem: tr.querySelector('[data-col="problems"] .problem-badge') !== null,
      };
    }),
  );
}

/** Clicks "Load more" until the list has no more pages (a bounded number of times). */
export async function loadAllEvents(page: Page): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (!(await page.isVisible('#events-more'))) return;
    expect(await settle(page, () => page.click('#events-more'))).not.toBe('error');
  }
  throw new Error('"Load more" never ran out');
}

export interface ShownVerdict {
  counted: string;
  aggregation: string;
  reason: string | null;
  reasonText: string;
  value: string | null;
  valueText: string | null;
  dims: Record<string, string | null>;
}

/** Opens one event's detail from its row and waits until the meters' verdicts are shown. */
export async function openEvent(page: Page, source: string, id: string): Promise<void> {
  const row = `#events-table tr[data-source=${JSON.stringify(source)}][data-id=${JSON.stringify(id)}]`;
  await page.click(`${row} button.event-open`);
  await page.waitForFunction(
    ([s, i]) => {
      const d = document.querySelector<HTMLElement>('#event-detail');
      if (!d) return false;
      return (
        d.dataset.source === s &&
        d.dataset.id === i &&
        (d.dataset.state === 'ready' || d.dataset.state === 'error')
      );
    },
    [source, id],
    { timeout: 30_000 },
  );
}

export async function shownVerdicts(page: Page): Promise<Record<string, ShownVerdict>> {
  const rows = await page.$$eval('#event-meters tbody tr', (trs) =>
    trs.map((tr) => {
      const cell = (col: string) => tr.querySelector(`[data-col="${col}"]`);
      const dims: Record<string, string | null> = {};
      for (const li of tr.querySelectorAll('[data-col="groupBy"] li[data-dim]'))
        dims[li.getAttribute('data-dim') ?? ''] = li.getAttribute('data-dim-value');
      return [
        tr.getAttribute('data-meter') ?? '',
        {
          counted: tr.getAttribute('data-counted') ?? '',
          aggregation: cell('aggregation')?.textContent ?? '',
          reason: cell('reason')?.getAttribute('data-reason') ?? null,
          reasonText: cell('reason')?.textContent ?? '',
          value: cell('value')?.getAttribute('data-value') ?? null,
          valueText: cell('value')?.getAttribute('data-value-text') ?? null,
          dims,
        },
      ] as const;
    }),
  );
  return Object.fromEntries(rows);
}
