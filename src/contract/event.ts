import { z } from '@hono/zod-openapi';

/** A CloudEvents 1.0 usage event (JSON format), as sent to POST /api/v1/events. */
export const CloudEventSchema = z
  .object({
    id: z.string().min(1).max(256).describe('Unique per source; (source, id) deduplicates.'),
    source: z.string().min(1).max(256),
    specversion: z.literal('1.0').default('1.0'),
    type: z.string().min(1).max(256).describe('Matched against meters\u2019 eventType.'),
    subject: z.string().min(1).max(256),
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

export const IngestedEventSchema = z
  .object({
    event: CloudEventSchema,
    ingestedAt: z.iso.datetime(),
    storedAt: z.iso.datetime(),
  })
  .openapi('IngestedEvent');

export const RejectedEventSchema = z.object({
  index: z.number().int().describe('Position of the event in the request (0-based).'),
  id: z.string().nullable(),
  reason: z.string(),
});

export const IngestSummarySchema = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(RejectedEventSchema),
  })
  .openapi('IngestSummary');

export type IngestSummary = z.infer<typeof IngestSummarySchema>;

export const EventListQuerySchema = z.object({
  clientId: z.string().max(36).optional(),
  ingestedAtFrom: z.iso.datetime({ offset: true }).optional(),
  ingestedAtTo: z.iso.datetime({ offset: true }).optional(),
  id: z.string().optional(),
  subject: z.string().optional(),
  customerId: z.union([z.string(), z.array(z.string())]).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
