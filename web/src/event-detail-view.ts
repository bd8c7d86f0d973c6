// One event and what every meter of the account makes of it (GET /api/v1/events/explain).
import type { EventExplanation, MeterExplanation } from './api-client';
import { h } from './dom';
import { formatEventTime } from './events-table';

const REASON_TEXT: Record<string, string> = {
  other_event_type: 'counts another event type',
  before_event_from: 'the event is older than the meter’s eventFrom',
  missing: 'value missing or null',
  not_a_number: 'value is not a number',
  non_finite: 'value outside the double range',
  too_large: 'value too large',
  not_a_scalar: 'value is an object or array',
};

function valueCell(m: MeterExplanation): HTMLTableCellElement {
  if (!m.counted) return h('td', { 'data-col': 'value', className: 'num' }, '–');
  // Exact, not rounded: the point of the page is to see what the meter took from the event.
  const shown = m.value !== null ? String(m.value) : (m.valueText ?? '');
  return h(
    'td',
    {
      'data-col': 'value',
      className: 'num',
      'data-value': m.value !== null ? String(m.value) : null,
      'data-value-text': m.value === null ? (m.valueText ?? '') : null,
    },
    m.value === null && m.valueText != null ? `“${shown}”` : shown,
  );
}

function groupByCell(m: MeterExplanation): HTMLTableCellElement {
  const dims = Object.entries(m.groupBy ?? {});
  if (dims.length === 0)
    return h('td', { 'data-col': 'groupBy' }, h('span', { className: 'muted' }, '–'));
  return h(
    'td',
    { 'data-col': 'groupBy' },
    h(
      'ul',
      { className: 'dims' },
      ...dims.map(([dim, v]) =>
        h(
          'li',
          { 'data-dim': dim, 'data-dim-value': v },
          `${dim} = `,
          v === null ? h('span', { className: 'muted' }, '(none)') : v,
        ),
      ),
    ),
  );
}

function meterRow(m: MeterExplanation): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-meter': m.meter, 'data-counted': m.counted ? 'yes' : 'no' },
    h(
      'th',
      { scope: 'row', 'data-col': 'meter' },
      m.meter,
      m.name && m.name !== m.meter ? h('span', { className: 'muted' }, ` ${m.name}`) : null,
    ),
    h('td', { 'data-col': 'aggregation' }, m.aggregation),
    h(
      'td',
      { 'data-col': 'counted', className: m.counted ? 'counted' : 'not-counted' },
      m.counted ? 'Yes' : 'No',
    ),
    valueCell(m),
    groupByCell(m),
    h(
      'td',
      { 'data-col': 'reason', 'data-reason': m.counted ? null : (m.reason ?? '') },
      m.counted
        ? ''
        : h(
            'span',
            {},
            h('code', {}, m.reason ?? ''),
            REASON_TEXT[m.reason ?? ''] ? ` ${REASON_TEXT[m.reason ?? '']}` : '',
            m.message ? h('span', { className: 'muted reason-message' }, m.message) : null,
          ),
    ),
  );
}

/** The detail's content: facts, the meter table, and the event as JSON. */
export function renderEventDetail(x: EventExplanation): HTMLElement[] {
  const ev = x.event.event;
  const fact = (term: string, value: HTMLElement | string) =>
    h('div', {}, h('dt', {}, term), h('dd', {}, value));
  const counted = x.meters.filter((m) => m.counted).length;
  const meters =
    x.meters.length === 0
      ? h('p', { className: 'muted' }, 'This account has no meters: nothing counts this event.')
      : h(
          'div',
          { className: 'table-wrap' },
          h(
            'table',
            { id: 'event-meters' },
            h(
              'caption',
              { className: 'visually-hidden' },
              'What each meter of the account makes of this event',
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Meter'),
                h('th', { scope: 'col' }, 'Aggregation'),
                h('th', { scope: 'col' }, 'Counted'),
                h('th', { scope: 'col', className: 'num' }, 'Value'),
                h('th', { scope: 'col' }, 'Group by'),
                h('th', { scope: 'col' }, 'Why not counted'),
              ),
            ),
            h('tbody', {}, ...x.meters.map(meterRow)),
          ),
        );
  return [
    h(
      'dl',
      { className: 'facts' },
      fact('Source', ev.source),
      fact('Type', ev.type),
      fact('Subject', ev.subject),
      fact('Event time', h('time', { datetime: ev.time ?? '' }, formatEventTime(ev.time))),
      fact(
        'Ingested',
        h('time', { datetime: x.event.ingestedAt }, formatEventTime(x.event.ingestedAt)),
      ),
    ),
    h(
      'h3',
      { id: 'event-meters-title' },
      `Meters: ${counted} of ${x.meters.length} count this event`,
    ),
    meters,
    h('h3', {}, 'Event JSON'),
    h('pre', { id: 'event-json', 'data-testid': 'event-json' }, JSON.stringify(ev, null, 2)),
  ];
}
