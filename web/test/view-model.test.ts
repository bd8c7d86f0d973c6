// The dashboard's pure parts: URL round trip, ranges in a zone, auto window, chart shaping, CSV.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { breakdownCsv, timeSeriesCsv } from '../src/csv-export';
import { toQueryParams } from '../src/query-params';
import { toBreakdown, toChartData } from '../src/series';
import { autoWindow, resolveRange, toZone, windowCount } from '../src/time-range';
import {
  defaultViewState,
  parseViewState,
  serializeViewState,
  type ViewState,
} from '../src/view-state';
import { decideWindow } from '../src/window-choice';

describe('view state in the URL', () => {
  it('round-trips every field', () => {
    const s: ViewState = {
      meter: 'tokens',
      range: 'custom',
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-08T00:00:00Z',
      window: 'PT15M',
      tz: '+05:45',
      groupBy: ['subject', 'model'],
      filters: { model: ['gpt-4', 'a,b'], subject: ['cust-1'] },
      chart: 'bars',
      sort: 'model',
      dir: 'asc',
    };
    expect(parseViewState(`?${serializeViewState(s)}`)).toEqual(s);
  });

  it('falls back to defaults for unknown values', () => {
    const s = parseViewState('?range=yesterday&window=SECOND&chart=pie');
    expect(s.range).toBe(defaultViewState().range);
    expect(s.window).toBe('auto');
    expect(s.chart).toBe('lines');
  });
});

describe('ranges and windows', () => {
  it('computes calendar presets in the zone, including a DST day', () => {
    const zone = toZone('America/New_York');
    if (!zone) throw new Error('zone');
    const now = DateTime.fromISO('2026-03-08T15:00:00Z');
    const today = resolveRange({ range: 'today', from: '', to: '' }, zone, now);
    expect(today?.from.toUTC().toISO()).toBe('2026-03-08T05:00:00.000Z');
    const last = resolveRange({ range: 'lastmonth', from: '', to: '' }, zone, now);
    expect(last?.from.toUTC().toISO()).toBe('2026-02-01T05:00:00.000Z');
    expect(last?.to.toUTC().toISO()).toBe('2026-03-01T05:00:00.000Z');
  });

  it('accepts fixed offsets and rejects unknown zones', () => {
    const zone = toZone('+05:45');
    const now = DateTime.fromISO('2026-03-08T20:00:00Z');
    const today = zone ? resolveRange({ range: 'today', from: '', to: '' }, zone, now) : null;
    expect(today?.from.toUTC().toISO()).toBe('2026-03-08T18:15:00.000Z');
    expect(toZone('Mars/Olympus_Mons')).toBeNull();
    expect(toZone('+25:00')).toBeNull();
  });

  it('picks an auto window from the span', () => {
    const from = DateTime.fromISO('2026-01-01T00:00:00Z');
    expect(autoWindow({ from, to: from.plus({ hours: 2 }) })).toBe('MINUTE');
    expect(autoWindow({ from, to: from.plus({ hours: 20 }) })).toBe('PT15M');
    expect(autoWindow({ from, to: from.plus({ days: 7 }) })).toBe('HOUR');
    expect(autoWindow({ from, to: from.plus({ days: 31 }) })).toBe('DAY');
    expect(autoWindow({ from, to: from.plus({ days: 365 }) })).toBe('WEEK');
    expect(autoWindow({ from, to: from.plus({ years: 3 }) })).toBe('MONTH');
  });
});

describe('query parameters', () => {
  it('maps subject filters to subject= and others to filterGroupBy', () => {
    const p = toQueryParams({
      from: 'a',
      to: 'b',
      windowSize: 'DAY',
      timeZone: 'UTC',
      groupBy: ['model'],
      filters: { subject: ['s1', 's2'], model: ['gpt-4'] },
      fillZero: true,
    });
    expect(p.toString()).toBe(
      'from=a&to=b&windowSize=DAY&windowTimeZone=UTC&groupBy=model&subject=s1&subject=s2&filterGroupBy%5Bmodel%5D=gpt-4&fill=zero&limit=10',
    );
  });
});

describe('chart, table and CSV from API rows', () => {
  const rows = [
    {
      value: 1,
      windowStart: '2026-01-01T00:00:00Z',
      windowEnd: '2026-01-02T00:00:00Z',
      subject: 'a',
      groupBy: { m: 'x' },
    },
    {
      value: 2,
      windowStart: '2026-01-01T00:00:00Z',
      windowEnd: '2026-01-02T00:00:00Z',
      subject: 'b',
      groupBy: { m: null },
    },
    {
      value: 3,
      windowStart: '2026-01-02T00:00:00Z',
      windowEnd: '2026-01-03T00:00:00Z',
      subject: 'a',
      groupBy: { m: 'x' },
    },
  ];

  it('makes one series per group with gaps where a group has no row', () => {
    const c = toChartData(rows, ['subject']);
    expect(c.windowStarts).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
    expect(c.series).toEqual([
      { id: 'subject=a', label: 'subject: a', values: [1, 3] },
      { id: 'subject=b', label: 'subject: b', values: [2, null] },
    ]);
  });

  it('writes CSV with quoting and empty cells for null groups', () => {
    expect(timeSeriesCsv(rows.slice(0, 2), ['subject', 'm'])).toBe(
      'window_start,window_end,subject,m,value\r\n2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,a,x,1\r\n2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,b,,2\r\n',
    );
    const table = toBreakdown(
      [{ ...rows[0], subject: 'a,"b"' } as (typeof rows)[number]],
      ['subject'],
    );
    expect(breakdownCsv(table, ['subject'])).toBe('subject,value\r\n"a,""b""",1\r\n');
  });
});

describe('at most 2,000 points per series', () => {
  const zone = toZone('America/New_York');
  if (!zone) throw new Error('zone');
  // November 2026 in New York: 30 days and the hour DST gives back on Nov 1 = 721 hours.
  const november = {
    from: DateTime.fromISO('2026-11-01T00:00', { zone }),
    to: DateTime.fromISO('2026-12-01T00:00', { zone }),
  };

  it('counts the windows a range touches', () => {
    expect(windowCount(november, 'MINUTE')).toBe(721 * 60);
    expect(windowCount(november, 'PT15M')).toBe(721 * 4);
    expect(windowCount(november, 'HOUR')).toBe(721);
    expect(windowCount(november, 'DAY')).toBe(30);
    expect(windowCount(november, 'MONTH')).toBe(1);
  });

  it('replaces a too-fine choice with the finest that fits, and says so', () => {
    const d = decideWindow('MINUTE', november);
    expect(d).toMatchObject({ ok: true, size: 'HOUR', replaced: 'MINUTE' });
    expect(d.note).toContain('43,260');
    expect(decideWindow('HOUR', november)).toMatchObject({
      ok: true,
      size: 'HOUR',
      replaced: null,
    });
    expect(decideWindow('auto', november)).toMatchObject({ ok: true, size: 'DAY', note: '' });
  });

  it('refuses a range too long even for months', () => {
    const from = DateTime.fromISO('1800-01-01T00:00', { zone });
    const d = decideWindow('auto', { from, to: from.plus({ years: 200 }) });
    expect(d.ok).toBe(false);
    expect(d.note).toContain('2,400');
  });
});
