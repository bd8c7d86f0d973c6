import { z } from '@hono/zod-openapi';
import { parseZone } from '../lib/time/zone.js';

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

export const FilterStringSchema: z.ZodType<FilterStringWire> = FilterStringBase.extend({
  $and: z.array(z.lazy(() => FilterStringSchema)).nullish(),
  $or: z.array(z.lazy(() => FilterStringSchema)).nullish(),
})
  .strict()
  .openapi('FilterString');

const WINDOW_SIZES = [
  'MINUTE',
  'FIFTEEN_MINUTES',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'YEAR',
  'PT1M',
  'PT15M',
  'PT1H',
  'P1D',
  'P1W',
  'P1M',
  'P1Y',
] as const;

export const WindowSizeParamSchema = z
  .enum(WINDOW_SIZES)
  .describe('OpenMeter names, or the ISO 8601 durations PT1M, PT15M, PT1H, P1D, P1W, P1M, P1Y.');

const extensionFields = {
  aggregationMode: z
    .enum(['incremental', 'cumulative', 'rolling'])
    .optional()
    .describe(
      'Tally extension. cumulative: total since the start of each period; rolling: trailing span.',
    ),
  cumulativePeriod: z
    .enum(['P1D', 'P1W', 'P1M', 'P1Y', 'DAY', 'WEEK', 'MONTH', 'YEAR'])
    .optional()
    .describe('Tally extension: the period of aggregationMode=cumulative (default P1M).'),
  rollingSpan: z
    .string()
    .regex(/^P(?:\d+[DWMY]|T\d+[HM])$/)
    .optional()
    .describe('Tally extension: the trailing span of aggregationMode=rolling, e.g. P30D, PT24H.'),
  fill: z.enum(['none', 'zero']).optional().describe('Tally extension: zero = dense series.'),
};

// Checked here, beside windowSize and the range, so one response lists every bad parameter (the
// mapping to the usage query ran only after the schema had passed, hiding a bad zone behind others).
const timeZone = z
  .string()
  .refine((s) => parseZone(s) !== undefined, 'unknown time zone or offset (IANA name or +05:45)');

/** Relative to the time of the request: `now`, or `-` and an ISO 8601 duration (`-PT1M`, `-P30D`). */
export const RELATIVE_INSTANT = /^(?:now|-P(?:\d+[DW])?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/;

const instant = z
  .string()
  .describe('RFC 3339 date-time, epoch milliseconds, or relative to now: "now", "-PT1M", "-P30D"')
  .refine(
    (s) => /^\d{1,16}$/.test(s) || RELATIVE_INSTANT.test(s) || !Number.isNaN(Date.parse(s)),
    'must be RFC 3339, epoch ms, "now" or a negative ISO 8601 duration such as -PT1M',
  );

/** A repeatable query parameter: one occurrence arrives as a string, several as an array. */
export function repeated(max: number) {
  return z
    .union([z.string(), z.array(z.string()).max(max)])
    .transform((v) => (typeof v === 'string' ? [v] : v));
}

/** GET /api/v1/meters/{slug}/query parameters. */
export const MeterQueryParamsSchema = z.object({
  clientId: z.string().max(36).optional(),
  from: instant.optional().describe('Inclusive start.'),
  to: instant.optional().describe('Exclusive end (default: now).'),
  windowSize: WindowSizeParamSchema.optional(),
  windowTimeZone: timeZone
    .optional()
    .describe('IANA zone or a fixed offset such as +05:45 (default UTC).'),
  subject: repeated(100).optional(),
  filterCustomerId: repeated(100).optional(),
  groupBy: repeated(100).optional(),
  advancedMeterGroupByFilters: z
    .string()
    .optional()
    .describe('JSON object {dimension: FilterString}.'),
  ...extensionFields,
});

/** POST /api/v1/meters/{slug}/query body. */
export const MeterQueryRequestSchema = z
  .object({
    clientId: z.string().max(36).optional(),
    from: instant.optional(),
    to: instant.optional(),
    windowSize: WindowSizeParamSchema.optional(),
    windowTimeZone: timeZone.optional(),
    subject: z.array(z.string()).max(100).optional(),
    filterCustomerId: z.array(z.string()).max(100).optional(),
    filterGroupBy: z.record(z.string(), z.array(z.string())).optional(),
    advancedMeterGroupByFilters: z.record(z.string(), FilterStringSchema).optional(),
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
    groupBy: z.record(z.string(), z.string().nullable()),
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
