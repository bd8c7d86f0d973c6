import { z } from '@hono/zod-openapi';
import { AGGREGATIONS, SLUG_MAX_LENGTH, SLUG_PATTERN } from './vocabulary.js';

export const AggregationSchema = z.enum(AGGREGATIONS);

const slug = z.string().max(SLUG_MAX_LENGTH).regex(SLUG_PATTERN);

export const MeterCreateSchema = z
  .object({
    slug,
    name: z.string().min(1).max(256).optional(),
    description: z.string().max(1024).optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    aggregation: AggregationSchema,
    eventType: z.string().min(1),
    eventFrom: z.iso.datetime({ offset: true }).optional(),
    valueProperty: z.string().optional().describe('JSONPath into data, e.g. $.tokens'),
    groupBy: z.record(z.string(), z.string()).optional().describe('dimension name -> JSONPath'),
  })
  .openapi('MeterCreate');

export const MeterUpdateSchema = z
  .object({
    name: z.string().min(1).max(256).optional(),
    description: z.string().max(1024).optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    groupBy: z.record(z.string(), z.string()).optional(),
  })
  .openapi('MeterUpdate');

export const MeterSchema = MeterCreateSchema.extend({
  id: z.string(),
  name: z.string(),
  groupBy: z.record(z.string(), z.string()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  deletedAt: z.iso.datetime().optional(),
}).openapi('Meter');

export type MeterWire = z.infer<typeof MeterSchema>;
