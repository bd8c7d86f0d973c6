// Wire shapes of the THEO-compatible analytics endpoints (seed: "Usage monitoring").

import { z } from 'zod';

export const resolution = z.enum(['15min', 'hour', 'day', 'month']);

export const analyticsParams = z.object({
  start: z.string().min(1),
  end: z.string().min(1),
  resolution,
  utcOffset: z
    .string()
    .regex(/^[+-]?\d+$/, 'utcOffset must be a whole number of minutes')
    .transform(Number)
    .refine((m) => Math.abs(m) <= 14 * 60, 'utcOffset must be within +/-840 minutes')
    .optional(),
  groupBy: z.string().optional(),
  distributionIds: z.string().optional(),
  streamingFormats: z.string().optional(),
  engineIds: z.string().optional(),
});

export const analyticsResponse = z.object({
  data: z.array(
    z.object({
      timestamp: z.string(),
      records: z.array(z.object({ id: z.string(), amount: z.number() })),
    }),
  ),
});

export const theoErrorBody = z.object({ message: z.string() });

export type AnalyticsResponse = z.infer<typeof analyticsResponse>;
