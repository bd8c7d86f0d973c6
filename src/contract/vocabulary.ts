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

/** Why an event gives a meter no value. */
export const VALUE_PROBLEM_REASONS = [
  /** The value property is absent or null. */
  'missing',
  /** A boolean, object, array, or a string that is not a decimal number. */
  'not_a_number',
  /** A decimal string beyond the double range, such as "1e400". */
  'non_finite',
  /** A magnitude above MAX_METER_VALUE. */
  'too_large',
  /** An object or array where UNIQUE_COUNT needs a string, number or boolean. */
  'not_a_scalar',
] as const;

export type ValueProblemReason = (typeof VALUE_PROBLEM_REASONS)[number];

/** The meaning of `subject` for each key kind (documentation and error texts). */
export const SUBJECT_BINDING: Record<KeyKind, string> = {
  secret:
    'not allowed: a secret key is account-wide by definition (create a subject-bound publishable key to read one subject)',
  ingest: 'the key may only send events whose subject is this subject',
  publishable:
    'the key reads only this subject, on every meter (a portal key); unbound, it reads only meters whose metadata has public=true',
};
