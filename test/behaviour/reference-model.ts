// An independent reference for usage queries: brute force over the events, with windows found
// per event by luxon's calendar functions (not by the engine's planner or SQL bucketing).
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';

export interface RefEvent {
  subject: string;
  time: number;
  data: Record<string, unknown>;
}

export type RefAgg = 'SUM' | 'COUNT' | 'UNIQUE_COUNT' | 'AVG' | 'MIN' | 'MAX' | 'LATEST';
export type RefWindow = 'MINUTE' | 'FIFTEEN_MINUTES' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface RefMeter {
  aggregation: RefAgg;
  valueKey?: string;
  dims: Record<string, string>;
}

export interface RefQuery {
  from: number;
  to: number;
  window?: RefWindow;
  zone: string;
  groupBy: string[];
  filter?: (e: RefEvent) => boolean;
  mode?: { kind: 'cumulative'; period: RefWindow } | { kind: 'rolling'; days: number };
}

export interface RefRow {
  windowStart: number;
  windowEnd: number;
  key: string;
  value: number;
}

export function refZone(name: string): Zone {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(name);
  if (m)
    return FixedOffsetZone.instance((m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])));
  return name === 'UTC' ? FixedOffsetZone.utcInstance : IANAZone.create(name);
}

const UNIT: Record<RefWindow, 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'> = {
  MINUTE: 'minute',
  FIFTEEN_MINUTES: 'minute',
  HOUR: 'hour',
  DAY: 'day',
  WEEK: 'week',
  MONTH: 'month',
  YEAR: 'year',
};

/** [start, end) of the window holding instant t. */
export function refWindowOf(t: number, w: RefWindow, zone: Zone): [number, number] {
  const dt = DateTime.fromMillis(t, { zone });
  if (w === 'FIFTEEN_MINUTES') {
    const s = dt.startOf('hour').plus({ minutes: Math.floor(dt.minute / 15) * 15 });
    return [s.toMillis(), s.plus({ minutes: 15 }).toMillis()];
  }
  const s = dt.startOf(UNIT[w]);
  const e = ['MINUTE', 'HOUR'].includes(w)
    ? s.plus({ [`${UNIT[w]}s`]: 1 })
    : s.plus({ [`${UNIT[w]}s`]: 1 }).startOf('day');
  return [s.toMillis(), e.toMillis()];
}

function keyOf(e: RefEvent, meter: RefMeter, groupBy: string[]): string {
  return JSON.stringify(
    groupBy.map((g) => {
      if (g === 'subject') return e.subject;
      const v = e.data[meter.dims[g] ?? ''];
      return v === undefined || v === null ? null : String(v);
    }),
  );
}

function aggregate(meter: RefMeter, events: RefEvent[]): number | undefined {
  if (events.length === 0) return undefined;
  const vals = events.map((e) => e.data[meter.valueKey ?? '']);
  switch (meter.aggregation) {
    case 'COUNT':
      return events.length;
    case 'UNIQUE_COUNT':
      return (
        new Set(vals.filter((v) => v !== undefined && v !== null).map(String)).size || undefined
      );
    case 'SUM':
      return (vals as number[]).reduce((a, b) => a + b, 0);
    case 'AVG':
      return (vals as number[]).reduce((a, b) => a + b, 0) / vals.length;
    case 'MIN':
      return Math.min(...(vals as number[]));
    case 'MAX':
      return Math.max(...(vals as number[]));
    case 'LATEST': {
      const sorted = [...events].sort(
        (a, b) =>
          a.time - b.time ||
          (a.data[meter.valueKey ?? ''] as number) - (b.data[meter.valueKey ?? ''] as number),
      );
      return sorted[sorted.length - 1]?.data[meter.valueKey ?? ''] as number;
    }
  }
}

/** Expected rows, sorted by window start then key; windows without data are omitted. */
export function referenceQuery(events: RefEvent[], meter: RefMeter, q: RefQuery): RefRow[] {
  const zone = refZone(q.zone);
  const selected = events.filter((e) => (q.filter ? q.filter(e) : true));
  const out: RefRow[] = [];
  if (!q.window) {
    const inRange = selected.filter((e) => e.time >= q.from && e.time < q.to);
    const groups = new Map<string, RefEvent[]>();
    for (const e of inRange)
      groups.set(keyOf(e, meter, q.groupBy), [
        ...(groups.get(keyOf(e, meter, q.groupBy)) ?? []),
        e,
      ]);
    for (const [key, evs] of groups) {
      const v = aggregate(meter, evs);
      if (v !== undefined) out.push({ windowStart: q.from, windowEnd: q.to, key, value: v });
    }
    return sortRows(out);
  }
  // Output windows: every window overlapping [from, to).
  const windows: [number, number][] = [];
  for (
    let [s, e] = refWindowOf(q.from, q.window, zone);
    s < q.to;
    [s, e] = refWindowOf(e, q.window, zone)
  ) {
    windows.push([s, e]);
  }
  for (const [ws, we] of windows) {
    let lo = Math.max(ws, q.from);
    const hi = Math.min(we, q.to);
    if (q.mode?.kind === 'cumulative') lo = refWindowOf(ws, q.mode.period, zone)[0];
    if (q.mode?.kind === 'rolling') {
      lo = DateTime.fromMillis(ws, { zone })
        .minus({ days: q.mode.days - 1 })
        .startOf('day')
        .toMillis();
    }
    const inWin = selected.filter((e) => e.time >= lo && e.time < hi);
    const groups = new Map<string, RefEvent[]>();
    for (const e of inWin) {
      const k = keyOf(e, meter, q.groupBy);
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    for (const [key, evs] of groups) {
      const v = aggregate(meter, evs);
      if (v !== undefined) out.push({ windowStart: ws, windowEnd: we, key, value: v });
    }
  }
  return sortRows(out);
}

function sortRows(rows: RefRow[]): RefRow[] {
  return rows.sort(
    (a, b) => a.windowStart - b.windowStart || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
