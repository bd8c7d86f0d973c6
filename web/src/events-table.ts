// The event list's table: one row per stored event, with a marker where some meter cannot count it.
import { DateTime } from 'luxon';
import type { IngestedEvent } from './api-client';
import { h } from './dom';
import { browserTimeZone } from './time-range';

/** (source, id) is an event's identity: the same pair is the same event. */
export function eventKey(e: IngestedEvent): string {
  return JSON.stringify([e.event.source, e.event.id]);
}

/** The later of `current` and every item's ingestedAt ('' when there is neither). */
export function newestIngestedAt(current: string, items: readonly IngestedEvent[]): string {
  let best = current;
  for (const e of items) {
    if (!best || Date.parse(e.ingestedAt) > Date.parse(best)) best = e.ingestedAt;
  }
  return best;
}

/** Wall time in the browser's zone to the millisecond: events a few ms apart must not look equal. */
export function formatEventTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const t = DateTime.fromISO(iso);
  return t.isValid ? t.toFormat('yyyy-MM-dd HH:mm:ss.SSS') : iso;
}

export function eventsTable(tbody: HTMLTableSectionElement): HTMLTableElement {
  const col = (label: string) => h('th', { scope: 'col' }, label);
  return h(
    'table',
    { id: 'events-table' },
    h('caption', { className: 'visually-hidden' }, 'Stored events, newest event time first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        col(`Time (${browserTimeZone()})`),
        col('Subject'),
        col('Type'),
        col('Source'),
        col('Id'),
        col('Problems'),
      ),
    ),
    tbody,
  );
}

export function eventRow(e: IngestedEvent): HTMLTableRowElement {
  const ev = e.event;
  const problems = e.validationErrors ?? [];
  const marker =
    problems.length > 0 || e.validationError
      ? h(
          'span',
          {
            className: 'problem-badge',
            title: e.validationError ?? '',
            'aria-label': `${problems.length || 1} meter problem${problems.length === 1 ? '' : 's'}: ${e.validationError ?? ''}`,
          },
          `⚠ ${problems.length || 1}`,
        )
      : null;
  return h(
    'tr',
    {
      'data-testid': 'event-row',
      'data-source': ev.source,
      'data-id': ev.id,
      'data-problems': String(problems.length),
    },
    h(
      'td',
      { 'data-col': 'time' },
      h('time', { datetime: ev.time ?? '' }, formatEventTime(ev.time)),
    ),
    h('td', { 'data-col': 'subject' }, ev.subject),
    h('td', { 'data-col': 'type' }, ev.type),
    h('td', { 'data-col': 'source' }, ev.source),
    h(
      'td',
      { 'data-col': 'id' },
      // The row is clickable; this button is the same action for keyboards and screen readers.
      h(
        'button',
        {
          type: 'button',
          className: 'link event-open',
          'aria-label': `Show event ${ev.id} from ${ev.source}`,
        },
        ev.id,
      ),
    ),
    h('td', { 'data-col': 'problems' }, marker),
  );
}
