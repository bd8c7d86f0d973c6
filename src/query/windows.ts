import { DateTime, type Zone } from 'luxon';
import type { WindowSize } from '../contract/vocabulary.js';
import { QueryTooExpensiveError } from '../errors/domain-errors.js';
import { offsetChanges, offsetMs } from '../lib/time/zone.js';
import type { Bucketing } from './planned-query.js';
import { addWindows, FIXED_WIDTH, truncate } from './window-size.js';

export interface Window {
  start: number;
  end: number;
}

export const MAX_WINDOWS = 600_000;
const DAY = 86_400_000;

/**
 * Calendar windows of `size` in `zone` covering [from, to): the first starts at or before `from`,
 * the last ends at or after `to`. `extraBefore` prepends that many whole windows (for rolling spans).
 */
export function enumerateWindows(
  from: number,
  to: number,
  size: WindowSize,
  zone: Zone,
  extraBefore = 0,
): Window[] {
  const key = `${from}|${to}|${size}|${zone.name}|${extraBefore}`;
  const hit = layoutCache.get(key);
  if (hit) return hit;
  const out = computeWindows(from, to, size, zone, extraBefore);
  if (out.length > CACHED_WINDOWS) return out;
  while (layoutCache.size >= 256 || cachedWindows + out.length > CACHED_WINDOWS) {
    const [oldest] = layoutCache;
    if (!oldest) break;
    layoutCache.delete(oldest[0]);
    cachedWindows -= oldest[1].length;
  }
  layoutCache.set(key, out);
  cachedWindows += out.length;
  return out;
}

// Dashboards repeat the same layouts; laying out a year of windows with calendar arithmetic costs
// milliseconds, so recent layouts are kept (the arrays are never mutated by callers). The cache is
// bounded by windows, not layouts: 256 layouts of a year of minutes would hold gigabytes.
const layoutCache = new Map<string, Window[]>();
const CACHED_WINDOWS = 200_000;
let cachedWindows = 0;

function computeWindows(
  from: number,
  to: number,
  size: WindowSize,
  zone: Zone,
  extraBefore: number,
): Window[] {
  const width = FIXED_WIDTH[size];
  if (width !== undefined && offsetMs(zone, from) % width === offsetMs(zone, to) % width) {
    // Minutes, quarter hours and hours are the same length everywhere; when the zone's offset is
    // congruent at both ends (every real DST shift is a whole hour), plain arithmetic lays them out.
    const first =
      truncate(DateTime.fromMillis(from, { zone }), size).toMillis() - extraBefore * width;
    const count = Math.ceil((to - first) / width);
    if (count > MAX_WINDOWS) throw tooMany();
    return Array.from({ length: count }, (_, i) => ({
      start: first + i * width,
      end: first + (i + 1) * width,
    }));
  }
  let cursor = truncate(DateTime.fromMillis(from, { zone }), size);
  if (extraBefore > 0) cursor = addWindows(cursor, size, -extraBefore);
  const out: Window[] = [];
  while (cursor.toMillis() < to) {
    const next = addWindows(cursor, size, 1);
    out.push({ start: cursor.toMillis(), end: next.toMillis() });
    if (out.length > MAX_WINDOWS) throw tooMany();
    cursor = next;
  }
  return out;
}

function tooMany(): QueryTooExpensiveError {
  return new QueryTooExpensiveError(
    `the query spans more than ${MAX_WINDOWS} windows; use a larger windowSize or a shorter range`,
  );
}

/** Local day number (days since the epoch in local time) of instant `ms`. */
function localDay(ms: number, zone: Zone): number {
  return Math.floor((ms + offsetMs(zone, ms)) / DAY);
}

/**
 * How a store assigns rows in [windows[0].start, windows[last].end) to indexes of `windows`.
 * Integer arithmetic when the windows are all the same length in absolute time, else a local-day
 * lookup table (windows of a day or longer always start at a local day boundary).
 */
export function bucketingFor(windows: Window[], size: WindowSize, zone: Zone): Bucketing {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (!first || !last) return { kind: 'all' };
  const width = first.end - first.start;
  const uniform = windows.every(
    (w) => w.end - w.start === width && (w.start - first.start) % width === 0,
  );
  if (uniform) return { kind: 'uniform', origin: first.start, width };
  if (FIXED_WIDTH[size] !== undefined) {
    // Only zones whose offset changes by less than the window (e.g. 30-minute DST) get here.
    throw new QueryTooExpensiveError(
      `windowSize ${size} is not aligned in zone ${zone.name} across an offset change; use a larger window`,
    );
  }
  const offsets = offsetChanges(zone, first.start, last.end).map((c) => ({
    from: c.at,
    offsetMs: c.offsetMs,
  }));
  const baseDay = localDay(first.start, zone);
  const endDay = localDay(last.end - 1, zone);
  const dayToWindow: number[] = [];
  let w = 0;
  for (let d = baseDay; d <= endDay; d++) {
    while (w + 1 < windows.length && localDay((windows[w + 1] as Window).start, zone) <= d) w++;
    dayToWindow.push(w);
  }
  return { kind: 'calendar', offsets, baseDay, dayToWindow };
}

/** The window index of instant `ms` under `bucket` (the reference the stores' SQL must match). */
export function windowOf(bucket: Bucketing, ms: number): number {
  switch (bucket.kind) {
    case 'all':
      return 0;
    case 'uniform':
      return Math.floor((ms - bucket.origin) / bucket.width);
    case 'calendar': {
      let off = bucket.offsets[0]?.offsetMs ?? 0;
      for (const span of bucket.offsets) if (ms >= span.from) off = span.offsetMs;
      const day = Math.floor((ms + off) / DAY) - bucket.baseDay;
      return bucket.dayToWindow[day] ?? -1;
    }
  }
}
