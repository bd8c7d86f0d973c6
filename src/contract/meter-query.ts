import { z } from '@hono/zod-openapi';
import type { Zone } from 'luxon';
import { INSTANT_GRAMMAR, type InstantSpec, parseInstantSpec } from '../lib/time/instant.js';
import { parseZone } from '../lib/time/zone.js';
import {
  AGGREGATION_MODES,
  CUMULATIVE_PERIODS,
  FILL_MODES,
  ROLLING_SPAN_UNITS,
  WINDOW_SIZE_PARAMS,
  type WindowSize,
  windowSizeOf,
} from './vocabulary.js';

export { RELATIVE_INSTANT } from '../lib/time/instant.js';

const FilterStringBase = z.object({
  $eq: z.string().nullish(),
  $ne: z.string().nullish(),
  $like: z.string().nullish(),
  $nlike: z.string().nullish(),
  $ilike: z.string().nullish(),
  $nilike: z.string().nullish(),
  $gt: z.string().nullish(),
  $gte: z.string().nullish(),
  $lt: z.string().nullish(),
  $lte: z.string().nullish(),
  $in: z.array(z.string()).nullish(),
  $nin: z.array(z.string()).nullish(),
});

type FilterStringWire = z.infer<typeof FilterStringBase> & {
  $and?: FilterStringWire[] | null;
  $or?: FilterStringWire[] | null;
};

const FilterStringObject: z.ZodType<FilterStringWire> = FilterStringBase.extend({
  $and: z.array(z.lazy(() => FilterStringObject)).nullish(),
  $or: z.array(z.lazy(() => FilterStringObject)).nullish(),
})
  .strict()
  .openapi('FilterString', {
    description: `Operators on one dimension, combined with AND; $and/$or nest at most 16 levels.`,
  });

/** Most levels of $and/$or nesting a filter may have (the outermost filter is level 1). */
export const MAX_FILTER_DEPTH = 16;

/** Whether `value` nests $and/$or deeper than `limit`; iterative, and stops at the first too deep. */
export function filterTooDeep(value: unknown, limit = MAX_FILTER_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    if (depth > limit) return true;
    for (const key of ['$and', '$or']) {
      const list = (v as Record<string, unknown>)[key];
      if (Array.isArray(list)) for (const child of list) stack.push([child, depth + 1]);
    }
  }
  return false;
}

// The depth is checked before the recursive schema runs: it recurses once per level, and a filter
// nested a thousand deep overflows the stack (and no store compiles one anyway).
export const FilterStringSchema: z.ZodType<FilterStringWire> = z.preprocess((value, ctx) => {
  if (!filterTooDeep(value)) return value;
  ctx.addIssue({
    code: 'custom',
    message: `filters nest $and/$or at most ${MAX_FILTER_DEPTH} levels deep`,
  });
  return z.NEVER;
}, FilterStringObject);

// The schemas below parse rather than validate: what they hand the native mapping is the domain's
// value (a WindowSize, a rolling span, an instant read by the one grammar), so the mapping
// checks only what spans several fields.

/** A window size in either spelling, as the WindowSize it names. */
export const WindowSizeParamSchema = z
  .enum(WINDOW_SIZE_PARAMS)
  .describe('OpenMeter names, or the ISO 8601 durations PT1M, PT15M, PT1H, P1D, P1W, P1M, P1Y.')
  .transform(windowSizeOf);

const ROLLING_SPAN = /^P(?:\d+[DWMY]|T\d+[HM])$/;

/** A trailing span such as P30D or PT24H, as a count of windows of one size. */
export function parseRollingSpan(s: string): { unit: WindowSize; count: number } | undefined {
  if (!ROLLING_SPAN.test(s)) return undefined;
  // The pattern holds one amount and one designator, "T" before it for hours and minutes.
  const time = s[1] === 'T';
  const count = Number(s.slice(time ? 2 : 1, -1));
  const unit =
    ROLLING_SPAN_UNITS[`${time ? 'T' : ''}${s.at(-1)}` as keyof typeof ROLLING_SPAN_UNITS];
  return count > 0 ? { unit, count } : undefined;
}

/** Most groups `limit` keeps (their keys are written into the SQL of two store queries). */
export const MAX_GROUP_LIMIT = 1000;

const extensionFields = {
  aggregationMode: z
    .enum(AGGREGATION_MODES)
    .optional()
    .describe(
      'Tally extension. cumulative: total since the start of each period; rolling: trailing span.',
    ),
  cumulativePeriod: z
    .enum(CUMULATIVE_PERIODS)
    .transform(windowSizeOf)
    .optional()
    .describe('Tally extension: the period of aggregationMode=cumulative (default P1M).'),
  rollingSpan: z
    .string()
    .regex(ROLLING_SPAN)
    .transform((s, ctx) => {
      const span = parseRollingSpan(s);
      if (span) return span;
      ctx.addIssue({ code: 'custom', message: 'must be a positive span such as P30D or PT24H' });
      return z.NEVER;
    })
    .optional()
    .describe('Tally extension: the trailing span of aggregationMode=rolling, e.g. P30D, PT24H.'),
  fill: z.enum(FILL_MODES).optional().describe('Tally extension: zero = dense series.'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_GROUP_LIMIT)
    .optional()
    .describe(
      `Tally extension (needs groupBy): only the limit groups with the greatest value over the whole range (ties by group key, a missing value first), plus one row per window marked "other": true for all remaining groups together. See docs/group-by-tails.md.`,
    ),
};

/** A zone parameter read: the text as written (the answer echoes it) and the zone it names. */
export interface ZoneParam {
  readonly text: string;
  readonly zone: Zone;
}

// Read here, beside windowSize and the range, so one response lists every bad parameter. The zone
// read travels on to the planner (UsageQuery.zone), which then does not read the text again: the
// planner reads only the text of callers that hand no zone (compat profiles).
const timeZone = z.string().transform((text, ctx): ZoneParam => {
  const zone = parseZone(text);
  if (zone) return { text, zone };
  ctx.addIssue({ code: 'custom', message: 'unknown time zone or offset (IANA name or +05:45)' });
  return z.NEVER;
});

/**
 * An instant in the one grammar of src/lib/time/instant.ts, resolved against the request's now.
 * Every native parameter in that grammar is read by this schema.
 */
export const InstantSchema = z
  .string()
  .describe('RFC 3339 date-time, epoch milliseconds, or relative to now: "now", "-PT1M", "-P30D"')
  .transform((s, ctx): InstantSpec => {
    const spec = parseInstantSpec(s);
    if (spec) return spec;
    ctx.addIssue({ code: 'custom', message: `must be ${INSTANT_GRAMMAR}` });
    return z.NEVER;
  });

/** Why a customer filter is refused where customers are not read (the event list). */
export const CUSTOMERS_REFUSED =
  'this list does not filter by customer, so a customer filter is refused rather than ignored; filter by subject instead';

const CUSTOMER_FILTER =
  'Customer ids or keys (/api/v1/customers): usage of the union of their subjects, intersected with any subject filter. An unknown or deleted customer is refused with 400. Group by the reserved name customer_id for one group per customer (rows carry customerId; null for subjects of no customer).';

/** A repeatable query parameter: one occurrence arrives as a string, several as an array. */
export function repeated(max: number) {
  return z
    .union([z.string(), z.array(z.string()).max(max)])
    .transform((v) => (typeof v === 'string' ? [v] : v));
}

/** GET /api/v1/meters/{slug}/query parameters. */
export const MeterQueryParamsSchema = z.object({
  clientId: z.string().max(36).optional(),
  from: InstantSchema.optional().describe('Inclusive start.'),
  asOf: InstantSchema.optional().describe(
    'Tally extension: answer as the data stood at this instant: events acknowledged by then, with the corrections made by then (docs/corrections.md). Read from the raw events.',
  ),
  to: InstantSchema.optional().describe('Exclusive end (default: now).'),
  windowSize: WindowSizeParamSchema.optional(),
  windowTimeZone: timeZone
    .optional()
    .describe('IANA zone or a fixed offset such as +05:45 (default UTC).'),
  subject: repeated(100).optional(),
  filterCustomerId: repeated(100).optional().describe(CUSTOMER_FILTER),
  groupBy: repeated(100).optional(),
  advancedMeterGroupByFilters: z
    .string()
    .optional()
    .describe('JSON object {dimension: FilterString}.'),
  ...extensionFields,
});

/**
 * An object keyed by dimension name. zod drops an own "__proto__" key without a word, which would
 * turn a filter on it into no filter at all; it is refused like any other unknown dimension.
 */
export function byDimension<T extends z.ZodType>(value: T) {
  return z.preprocess(
    (v, ctx) => {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, '__proto__')) return v;
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is not a dimension name' });
      return z.NEVER;
    },
    z.record(z.string(), value),
  );
}

/** POST /api/v1/meters/{slug}/query body. */
export const MeterQueryRequestSchema = z
  .object({
    clientId: z.string().max(36).optional(),
    from: InstantSchema.optional(),
    asOf: InstantSchema.optional(),
    to: InstantSchema.optional(),
    windowSize: WindowSizeParamSchema.optional(),
    windowTimeZone: timeZone.optional(),
    subject: z.array(z.string()).max(100).optional(),
    filterCustomerId: z.array(z.string()).max(100).optional().describe(CUSTOMER_FILTER),
    customerId: z
      .union([z.string(), z.array(z.string()).max(100)])
      .optional()
      .describe('The same filter as filterCustomerId (the name some client versions send).'),
    filterGroupBy: byDimension(z.array(z.string())).optional(),
    advancedMeterGroupByFilters: byDimension(FilterStringSchema).optional(),
    groupBy: z.array(z.string()).max(100).optional(),
    ...extensionFields,
  })
  .strict()
  .openapi('MeterQueryRequest');

export const MeterQueryRowSchema = z
  .object({
    value: z.number(),
    windowStart: z.iso.datetime(),
    windowEnd: z.iso.datetime(),
    subject: z.string().nullable(),
    customerId: z
      .string()
      .nullable()
      .optional()
      .describe('Grouped by customer_id: the customer (null: subjects of no customer).'),
    groupBy: z.record(z.string(), z.string().nullable()),
    other: z
      .literal(true)
      .optional()
      .describe(
        'Tally extension: present on the rows of the "other" group of a query with limit (every group outside the top ones, its subject and groupBy values null). A real group with missing values has no such field.',
      ),
  })
  .openapi('MeterQueryRow');

export const MeterQueryResultSchema = z
  .object({
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    windowSize: z.string().optional(),
    windowTimeZone: z.string().optional(),
    data: z.array(MeterQueryRowSchema),
  })
  .openapi('MeterQueryResult');

export type MeterQueryResult = z.infer<typeof MeterQueryResultSchema>;
