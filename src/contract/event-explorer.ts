// Wire shapes of the event explorer: the v2 listing (OpenMeter's `GET /api/v2/events`, with its
// JSON filter and cursor) and Tally's per-event explanation of what each meter makes of an event.
import { z } from '@hono/zod-openapi';
import { IngestedEventSchema } from './event.js';
import { AGGREGATIONS, VALUE_PROBLEM_REASONS } from './vocabulary.js';

const instant = () => z.iso.datetime({ offset: true });

/** One string field's condition: exactly one operator (OpenMeter's FilterString, in part). */
const StringFilterSchema = z
  .object({
    $eq: z.string().optional(),
    $in: z.array(z.string()).max(100).optional(),
    $like: z.string().describe('SQL LIKE pattern: % any run, _ one character.').optional(),
    $ilike: z.string().describe('As $like, ignoring ASCII case.').optional(),
  })
  .strict()
  .refine((f) => Object.values(f).filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of $eq, $in, $like, $ilike',
  });

/** A time field's bounds (OpenMeter's FilterTime, without $and/$or). */
const TimeFilterSchema = z
  .object({ $gt: instant(), $gte: instant(), $lt: instant(), $lte: instant() })
  .partial()
  .strict();

export const EventFilterSchema = z
  .object({
    id: StringFilterSchema,
    source: StringFilterSchema,
    subject: StringFilterSchema,
    type: StringFilterSchema,
    time: TimeFilterSchema.describe('Event time.'),
    ingestedAt: TimeFilterSchema,
  })
  .partial()
  .strict()
  .openapi('EventFilter');

export type EventFilter = z.infer<typeof EventFilterSchema>;

export const EventListV2QuerySchema = z.object({
  cursor: z.string().max(2048).optional().describe('`nextCursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  clientId: z.string().max(36).optional(),
  filter: z
    .string()
    .max(16_384)
    .optional()
    .describe(
      'An EventFilter as JSON, e.g. {"subject":{"$eq":"customer-1"},"time":{"$gte":"2025-01-01T00:00:00Z"}}. Fields are ANDed.',
    ),
  hasProblems: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'Tally extension: only events some meter of their type cannot count (true), or none can fault (false). A page may then hold fewer than `limit` events and still have a `nextCursor`.',
    ),
});

export const IngestedEventPageSchema = z
  .object({
    items: z.array(IngestedEventSchema),
    nextCursor: z.string().optional().describe('Absent on the last page.'),
  })
  .openapi('IngestedEventCursorPaginatedResponse');

export const EventIdentityQuerySchema = z.object({
  source: z.string().min(1).max(256),
  id: z.string().min(1).max(256),
});

/** Why a meter did not count an event: not its type, before its eventFrom, or its value. */
export const NOT_COUNTED_REASONS = [
  'other_event_type',
  'before_event_from',
  ...VALUE_PROBLEM_REASONS,
] as const;

export const MeterVerdictSchema = z
  .object({
    meter: z.string().describe('The meter\u2019s slug.'),
    name: z.string(),
    aggregation: z.enum(AGGREGATIONS),
    eventType: z.string(),
    counted: z.boolean().describe('Whether the meter counts this event (its value included).'),
    reason: z.enum(NOT_COUNTED_REASONS).optional(),
    message: z.string().optional(),
    value: z.number().nullable().describe('The numeric value the meter took (null: none).'),
    valueText: z.string().nullable().optional().describe('UNIQUE_COUNT: the distinct value.'),
    groupBy: z
      .record(z.string(), z.string().nullable())
      .describe('The dimension values the meter extracted (null: absent).'),
  })
  .openapi('MeterVerdict');

export type MeterVerdict = z.infer<typeof MeterVerdictSchema>;

export const EventExplanationSchema = z
  .object({ event: IngestedEventSchema, meters: z.array(MeterVerdictSchema) })
  .openapi('EventExplanation');
