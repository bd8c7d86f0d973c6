// The wire vocabulary: every closed set of names the API speaks, declared once. The zod enums
// (z.enum(ARRAY)), the TypeScript unions (typeof ARRAY[number]), the mapping tables of the native
// query and the compat profiles derive from these. No imports, so that any layer (the store ports,
// the dashboard through `import type`) can depend on it.

/** How a meter aggregates the values of its events. */
export const AGGREGATIONS = [
  'SUM',
  'COUNT',
  'UNIQUE_COUNT',
  'AVG',
  'MIN',
  'MAX',
  'LATEST',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** What an API key may do: docs/keys.md. */
export const KEY_KINDS = ['secret', 'ingest', 'publishable'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** The window sizes of the native query model (OpenMeter's names). */
export const WINDOW_SIZES = [
  'MINUTE',
  'FIFTEEN_MINUTES',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'YEAR',
] as const;
export type WindowSize = (typeof WINDOW_SIZES)[number];

/** The ISO 8601 durations accepted wherever a window size is, and the size each one names. */
export const WINDOW_SIZE_DURATIONS = {
  PT1M: 'MINUTE',
  PT15M: 'FIFTEEN_MINUTES',
  PT1H: 'HOUR',
  P1D: 'DAY',
  P1W: 'WEEK',
  P1M: 'MONTH',
  P1Y: 'YEAR',
} as const satisfies Record<string, WindowSize>;
export type WindowSizeDuration = keyof typeof WINDOW_SIZE_DURATIONS;

/** Every spelling of a window size on the wire: the names, then the durations. */
export const WINDOW_SIZE_PARAMS = [
  ...WINDOW_SIZES,
  ...(Object.keys(WINDOW_SIZE_DURATIONS) as WindowSizeDuration[]),
] as [WindowSize | WindowSizeDuration, ...(WindowSize | WindowSizeDuration)[]];
export type WindowSizeParam = WindowSize | WindowSizeDuration;

/** The window size a wire spelling names. */
export function windowSizeOf(param: WindowSizeParam): WindowSize {
  return param in WINDOW_SIZE_DURATIONS
    ? WINDOW_SIZE_DURATIONS[param as WindowSizeDuration]
    : (param as WindowSize);
}

/** The periods aggregationMode=cumulative accepts (a period shorter than a day is not one). */
export const CUMULATIVE_PERIODS = [
  'P1D',
  'P1W',
  'P1M',
  'P1Y',
  'DAY',
  'WEEK',
  'MONTH',
  'YEAR',
] as const satisfies readonly WindowSizeParam[];

/** The units of a rolling span (P30D, PT24H): the duration designator, "T" first for time units. */
export const ROLLING_SPAN_UNITS = {
  D: 'DAY',
  W: 'WEEK',
  M: 'MONTH',
  Y: 'YEAR',
  TH: 'HOUR',
  TM: 'MINUTE',
} as const satisfies Record<string, WindowSize>;

export const AGGREGATION_MODES = ['incremental', 'cumulative', 'rolling'] as const;
export type AggregationModeKind = (typeof AGGREGATION_MODES)[number];

export const FILL_MODES = ['none', 'zero'] as const;

/** Meter slugs: lower-case words joined by single underscores. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
export const SLUG_MAX_LENGTH = 64;

/** The closed set of domain error codes (src/errors); compat profiles map each to their vendor. */
export const DOMAIN_ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'unavailable',
  'query_too_expensive',
  'result_out_of_range',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
