// The whole view as plain data, and its round trip through the page URL (the key never goes there).

export const RANGE_PRESETS = ['today', 'last7d', 'mtd', 'lastmonth', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const WINDOW_CHOICES = ['auto', 'MINUTE', 'PT15M', 'HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
export type WindowChoice = (typeof WINDOW_CHOICES)[number];
export type WindowSize = Exclude<WindowChoice, 'auto'>;

export type ChartKind = 'lines' | 'bars';
export type SortDir = 'asc' | 'desc';

export interface ViewState {
  meter: string;
  range: RangePreset;
  /** ISO instants, used when range is custom. */
  from: string;
  to: string;
  window: WindowChoice;
  /** Empty: the browser's own zone. */
  tz: string;
  groupBy: string[];
  /** Dimension (or "subject") to allowed values. */
  filters: Record<string, string[]>;
  chart: ChartKind;
  /** Breakdown table sort column ("value" or a dimension) and direction. */
  sort: string;
  dir: SortDir;
}

export function defaultViewState(): ViewState {
  return {
    meter: '',
    range: 'last7d',
    from: '',
    to: '',
    window: 'auto',
    tz: '',
    groupBy: [],
    filters: {},
    chart: 'lines',
    sort: 'value',
    dir: 'desc',
  };
}

function oneOf<T extends string>(value: string | null, choices: readonly T[], fallback: T): T {
  return value !== null && (choices as readonly string[]).includes(value) ? (value as T) : fallback;
}

const FILTER_PARAM = /^filter\[(.+)\]$/;

export function parseViewState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const d = defaultViewState();
  const filters: Record<string, string[]> = {};
  for (const [name, value] of p) {
    const m = FILTER_PARAM.exec(name);
    if (m?.[1] && value !== '') filters[m[1]] = [...(filters[m[1]] ?? []), value];
  }
  return {
    meter: p.get('meter') ?? d.meter,
    range: oneOf(p.get('range'), RANGE_PRESETS, d.range),
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    window: oneOf(p.get('window'), WINDOW_CHOICES, d.window),
    tz: p.get('tz') ?? '',
    groupBy: [...new Set(p.getAll('groupBy').filter((g) => g !== ''))],
    filters,
    chart: oneOf(p.get('chart'), ['lines', 'bars'] as const, d.chart),
    sort: p.get('sort') ?? d.sort,
    dir: oneOf(p.get('dir'), ['asc', 'desc'] as const, d.dir),
  };
}

/** Only non-default fields, in a fixed order, so links stay short and stable. */
export function serializeViewState(s: ViewState): string {
  const d = defaultViewState();
  const p = new URLSearchParams();
  if (s.meter) p.set('meter', s.meter);
  p.set('range', s.range);
  if (s.range === 'custom') {
    p.set('from', s.from);
    p.set('to', s.to);
  }
  if (s.window !== d.window) p.set('window', s.window);
  if (s.tz) p.set('tz', s.tz);
  for (const g of s.groupBy) p.append('groupBy', g);
  for (const [dim, values] of Object.entries(s.filters)) {
    for (const v of values) p.append(`filter[${dim}]`, v);
  }
  if (s.chart !== d.chart) p.set('chart', s.chart);
  if (s.sort !== d.sort || s.dir !== d.dir) {
    p.set('sort', s.sort);
    p.set('dir', s.dir);
  }
  return p.toString();
}
