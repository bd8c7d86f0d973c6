// Wire shapes of the Wowza-compatible usage endpoints (seed: "View usage data with the Wowza Video
// REST API").

import { z } from 'zod';
import { MAX_INSTANT, MIN_INSTANT } from '../../../lib/time/instant.js';

/** "2022-04-07", "2021-07-07 15:00:00" or ISO 8601; UTC unless a zone is given. */
export const wowzaTime = z.string().transform((s, ctx) => {
  const t = s.trim().replace(' ', 'T');
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(t)
    ? `${t}T00:00:00Z`
    : /(Z|[+-]\d{2}:?\d{2})$/i.test(t)
      ? t
      : `${t}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a date such as 2022-04-07 or 2022-04-07 15:00:00',
    });
    return z.NEVER;
  }
  // The engine's instant range, refused here so that the message names this parameter.
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) {
    ctx.addIssue({ code: 'custom', message: 'must be between years 0000 and 9999' });
    return z.NEVER;
  }
  return ms;
});

const positiveInt = z
  .string()
  .regex(/^\d+$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().int().min(1));

export const rangeParams = z.object({
  from: wowzaTime,
  to: wowzaTime,
});

export const listParams = rangeParams.extend({
  page: positiveInt.optional(),
  per_page: positiveInt.pipe(z.number().max(1000)).optional(),
  next_page_key: z.string().optional(),
});

export const limits = z.object({ from: z.string(), to: z.string() });

export const paginationV2 = z.object({
  payload_version: z.number(),
  total_records: z.number().int(),
  per_page: z.number().int(),
  next_page_key: z.string().nullable(),
  total_pages: z.number().int(),
});

export const paginationV1 = z.object({
  payload_version: z.number(),
  page: z.number().int(),
  page_first_index: z.number().int(),
  page_last_index: z.number().int(),
  per_page: z.number().int(),
  total_pages: z.number().int(),
  total_records: z.number().int(),
});

export const accountUsage = z.object({
  accounts: z.object({
    id: z.string(),
    viewing_seconds: z.number(),
    avg_viewing_seconds: z.number(),
    viewing_bytes: z.number(),
    egress_seconds: z.number(),
    egress_seconds_additional_targets: z.number(),
    egress_bytes: z.number(),
    trend: z.array(
      z.object({ sampled_at: z.string(), viewing_seconds: z.number(), vieweing_bytes: z.number() }),
    ),
  }),
  limits,
});

export const wowzaErrorBody = z.object({
  meta: z.object({
    status: z.number(),
    code: z.string(),
    title: z.string(),
    message: z.string(),
    description: z.string(),
  }),
  request_id: z.string(),
  request_timestamp: z.string(),
});
