import { z } from '@hono/zod-openapi';
import { CUSTOMERS_REFUSED } from './meter-query.js';
import { VALUE_PROBLEM_REASONS } from './vocabulary.js';

// With the `u` flag a surrogate pair is one code point, so this matches only a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when the text has no lone surrogate, i.e. it survives a round trip through UTF-8. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

// The identity and keys of an event are stored as UTF-8, where a lone surrogate becomes U+FFFD:
// an id such as "a\uD800" would be another id after a restart, and counted again.
const eventText = () =>
  z
    .string()
    .min(1)
    .max(256)
    .refine(isWellFormedText, 'must be well-formed Unicode (it contains a lone surrogate)');

/** A CloudEvents 1.0 usage event (JSON format), as sent to POST /api/v1/events. */
export const CloudEventSchema = z
  .object({
    id: eventText().describe('Unique per source; (source, id) deduplicates.'),
    source: eventText(),
    specversion: z.literal('1.0').default('1.0'),
    type: eventText().describe('Matched against meters\u2019 eventType.'),
    subject: eventText(),
    time: z.iso
      .datetime({ offset: true, local: false })
      .nullish()
      .describe('RFC 3339; defaults to the time of receipt.'),
    datacontenttype: z.literal('application/json').nullish(),
    dataschema: z.string().nullish(),
    data: z.record(z.string(), z.unknown()).nullish(),
  })
  .openapi('Event');

export type CloudEvent = z.infer<typeof CloudEventSchema>;

export const ValueProblemSchema = z
  .object({
    meter: z.string().describe('Slug of the meter that cannot use the event.'),
    field: z.string().describe('The meter\u2019s valueProperty.'),
    reason: z.enum(VALUE_PROBLEM_REASONS),
    message: z.string(),
  })
  .openapi('ValueProblem');

export const IngestedEventSchema = z
  .object({
    event: CloudEventSchema,
    ingestedAt: z.iso.datetime(),
    storedAt: z.iso.datetime(),
    validationError: z
      .string()
      .optional()
      .describe('OpenMeter field: every problem below in one sentence; absent when none.'),
    validationErrors: z
      .array(ValueProblemSchema)
      .optional()
      .describe(
        'Meters of the event type that cannot use its value, computed from the meters as they are now; absent when none.',
      ),
  })
  .openapi('IngestedEvent');

export const RejectedEventSchema = z.object({
  index: z.number().int().describe('Position of the event in the request (0-based).'),
  id: z.string().nullable(),
  reason: z.string(),
});

export const EventValueProblemSchema = ValueProblemSchema.extend({
  index: z.number().int().describe('Position of the event in the request (0-based).'),
  id: z.string(),
});

export const IngestSummarySchema = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(RejectedEventSchema),
    problems: z
      .array(EventValueProblemSchema)
      .optional()
      .describe(
        'Stored events that a meter of their type cannot count (value missing, not a number, out of range); absent when none.',
      ),
  })
  .openapi('IngestSummary');

export type IngestSummary = z.infer<typeof IngestSummarySchema>;

export const EventListQuerySchema = z.object({
  clientId: z.string().max(36).optional(),
  ingestedAtFrom: z.iso.datetime({ offset: true }).optional(),
  ingestedAtTo: z.iso.datetime({ offset: true }).optional(),
  id: z.string().optional(),
  subject: z.string().optional(),
  customerId: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(`Refused with 400: ${CUSTOMERS_REFUSED}.`),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
