import { z } from '@hono/zod-openapi';

export const AggregationSchema = z.enum([
  'SUM',
  'COUNT',
  'UNIQUE_COUNT',
  'AVG',
  'MIN',
  'MAX',
  'LATEST',
]);

const slug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:_[a-z0-9]+)*$/);

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
