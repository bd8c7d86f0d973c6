// Wire shapes of corrections: voiding an event, replacing it, voiding by filter and event-time
// range (with a dry run), and the audit log that records each of them.
import { z } from '@hono/zod-openapi';
import { CloudEventSchema } from './event.js';

const instant = () => z.iso.datetime({ offset: true });
const reason = z.string().max(1000).optional().describe('Why, for the audit log.');

export const VoidEventRequestSchema = z
  .object({
    source: z.string().min(1).max(256),
    id: z.string().min(1).max(256),
    reason,
  })
  .strict()
  .openapi('VoidEventRequest');

export const ReplaceEventRequestSchema = z
  .object({
    event: CloudEventSchema.describe(
      'The new version: its source and id name the event it replaces; everything else may change.',
    ),
    reason,
  })
  .strict()
  .openapi('ReplaceEventRequest');

export const VoidByFilterRequestSchema = z
  .object({
    filter: z
      .object({
        subject: z.array(z.string()).min(1).max(100),
        type: z.array(z.string()).min(1).max(100),
        source: z.array(z.string()).min(1).max(100),
      })
      .partial()
      .strict()
      .default({})
      .describe('Fields are ANDed; each matches any of its values.'),
    from: instant().describe('Event time, inclusive.'),
    to: instant().describe('Event time, exclusive.'),
    dryRun: z
      .boolean()
      .default(false)
      .describe('Say what would change, change nothing and record nothing.'),
    reason,
  })
  .strict()
  .openapi('VoidByFilterRequest');

export const CORRECTION_KINDS = ['void', 'replace', 'void_by_filter'] as const;

const ChangedWindowSchema = z
  .object({
    meter: z.string().describe('Meter slug.'),
    from: instant().describe('Start of the UTC day whose numbers change.'),
    to: instant(),
    events: z.number().int().describe('Events of the correction in that day for that meter.'),
  })
  .openapi('ChangedWindow');

export const CorrectionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CORRECTION_KINDS),
    createdAt: instant().describe(
      'When the correction took effect; `asOf` before it gives the old numbers.',
    ),
    keyId: z.string().describe('The API key that made it.'),
    reason: z.string().optional(),
    target: z
      .object({
        source: z.string(),
        id: z.string(),
        filter: VoidByFilterRequestSchema.shape.filter.unwrap(),
        from: instant(),
        to: instant(),
      })
      .partial(),
    events: z.number().int().describe('Event versions voided.'),
    replaced: z.number().int().describe('Replacement events stored.'),
    windows: z.array(ChangedWindowSchema),
    status: z
      .enum(['applying', 'applied'])
      .describe('`applying` until every affected meter is rebuilt; a restart finishes it.'),
    dryRun: z.boolean().optional(),
  })
  .openapi('Correction');

export type CorrectionBody = z.infer<typeof CorrectionSchema>;

export const CorrectionListSchema = z
  .object({ items: z.array(CorrectionSchema).describe('Newest first.') })
  .openapi('CorrectionList');
