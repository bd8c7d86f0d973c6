// Range presets and the auto window, computed as calendar times in the view's time zone.
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { RangePreset, ViewState, WindowSize } from './view-state';

const OFFSET = /^([+-])(\d{1,2}):?(\d{2})?$/;

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The zone name sent to the API: the view's zone, or the browser's own when none is set. */
export function effectiveTimeZone(tz: string): string {
  return tz.trim() || browserTimeZone();
}

/** A luxon zone for an IANA name or a fixed offset such as +05:45; null when neither. */
export function toZone(tz: string): Zone | null {
  const name = effectiveTimeZone(tz);
  const m = OFFSET.exec(name);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
    if (Number(m[2]) > 14 || Number(m[3] ?? '0') > 59) return null;
    return FixedOffsetZone.instance(m[1] === '-' ? -minutes : minutes);
  }
  if (name === 'UTC' || name === 'Z') return FixedOffsetZone.utcInstance;
  return IANAZone.isValidZone(name) ? IANAZone.create(name) : null;
}

export interface ResolvedRange {
  from: DateTime;
  to: DateTime;
}

/** The instants a preset covers now; `null` when a custom range is incomplete or inverted. */
export function resolveRange(
  state: Pick<ViewState, 'range' | 'from' | 'to'>,
  zone: Zone,
  now: DateTime = DateTime.now(),
): ResolvedRange | null {
  const here = now.setZone(zone).startOf('second');
  const presets: Record<Exclude<RangePreset, 'custom'>, () => ResolvedRange> = {
    today: () => ({ from: here.startOf('day'), to: here }),
    last7d: () => ({ from: here.startOf('day').minus({ days: 6 }), to: here }),
    mtd: () => ({ from: here.startOf('month'), to: here }),
    lastmonth: () => ({
      from: here.startOf('month').minus({ months: 1 }),
      to: here.startOf('month'),
    }),
  };
  if (state.range !== 'custom') return presets[state.range]();
  const from = DateTime.fromISO(state.from, { zone });
  const to = DateTime.fromISO(state.to, { zone });
  if (!from.isValid || !to.isValid || to <= from) return null;
  return { from, to };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Auto window: enough points to read a trend, few enough to draw fast (at most a few hundred). */
export function autoWindow(range: ResolvedRange): WindowSize {
  const span = range.to.toMillis() - range.from.toMillis();
  if (span <= 3 * HOUR_MS) return 'MINUTE';
  if (span <= 1.5 * DAY_MS) return 'PT15M';
  if (span <= 10 * DAY_MS) return 'HOUR';
  if (span <= 120 * DAY_MS) return 'DAY';
  if (span <= 2 * 366 * DAY_MS) return 'WEEK';
  return 'MONTH';
}

/** No chart draws more points per series than this: more than a screen has pixels for, and slow. */
export const MAX_POINTS_PER_SERIES = 2000;

/** Window sizes from finest to coarsest. */
export const WINDOW_SIZES: readonly WindowSize[] = [
  'MINUTE',
  'PT15M',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
];

const FIXED_MS: Partial<Record<WindowSize, number>> = {
  MINUTE: 60_000,
  PT15M: 15 * 60_000,
  HOUR: HOUR_MS,
};
const CALENDAR_UNIT = { DAY: 'day', WEEK: 'week', MONTH: 'month' } as const;

/** How many windows of `size` the range touches (windows start on calendar boundaries in its zone). */
export function windowCount(range: ResolvedRange, size: WindowSize): number {
  const fixed = FIXED_MS[size];
  if (fixed) {
    const start = Math.floor(range.from.toMillis() / fixed) * fixed;
    return Math.max(1, Math.ceil((range.to.toMillis() - start) / fixed));
  }
  const unit = CALENDAR_UNIT[size as keyof typeof CALENDAR_UNIT];
  const span = range.to.diff(range.from.startOf(unit), `${unit}s`).as(`${unit}s`);
  return Math.max(1, Math.ceil(span - 1e-9));
}

/** True when `size` over the range would draw more than the per-series cap. */
export function tooManyPoints(range: ResolvedRange, size: WindowSize): boolean {
  return windowCount(range, size) > MAX_POINTS_PER_SERIES;
}

/** The finest window at least as coarse as `size` that fits the cap; null when none does. */
export function fittingWindow(range: ResolvedRange, size: WindowSize): WindowSize | null {
  const from = WINDOW_SIZES.indexOf(size);
  return WINDOW_SIZES.slice(from).find((w) => !tooManyPoints(range, w)) ?? null;
}

export const WINDOW_LABELS: Record<string, string> = {
  auto: 'Auto',
  MINUTE: 'Minute',
  PT15M: '15 minutes',
  HOUR: 'Hour',
  DAY: 'Day',
  WEEK: 'Week',
  MONTH: 'Month',
};

export const RANGE_LABELS: Record<RangePreset, string> = {
  today: 'Today',
  last7d: 'Last 7 days',
  mtd: 'Month to date',
  lastmonth: 'Last month',
  custom: 'Custom',
};

/** A window start as a person reads it in the view's zone, precise to the window size. */
export function formatWindowStart(iso: string, zone: Zone, window: WindowSize): string {
  const t = DateTime.fromISO(iso, { setZone: true }).setZone(zone);
  if (window === 'MONTH') return t.toFormat('yyyy-MM');
  if (window === 'DAY' || window === 'WEEK') return t.toFormat('yyyy-MM-dd');
  return t.toFormat('yyyy-MM-dd HH:mm');
}

/** For a datetime-local input: wall time in the zone without offset. */
export function toLocalInput(t: DateTime): string {
  return t.toFormat("yyyy-MM-dd'T'HH:mm");
}

/** ISO instant (with offset) for the API and the URL. */
export function toApiTime(t: DateTime): string {
  return t.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
}
