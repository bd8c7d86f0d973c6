// Wire shapes of the Opper-compatible `GET /analytics/usage` (research notes, section 3).

import { z } from 'zod';
import { asList } from '../shared/query-params.js';

/** RFC 3339 date-time (the client sends toISOString()) or a plain date. */
const dateParam = z.string().transform((s, ctx) => {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'Input should be a valid date or datetime' });
    return z.NEVER;
  }
  return ms;
});

const list = z.preprocess((v) => asList(v as string | string[] | undefined), z.array(z.string()));

export const granularity = z.enum(['minute', 'hour', 'day', 'month', 'year']);

export const usageQueryParams = z.object({
  from_date: dateParam.optional(),
  to_date: dateParam.optional(),
  granularity: granularity.optional(),
  fields: list.optional(),
  group_by: list.optional(),
});

/** One bucket: time, cost as a decimal string, then requested sums and tag values. */
export const usageResultItem = z
  .object({
    time_bucket: z.string().datetime({ offset: true }),
    cost: z.string().regex(/^-?\d+(\.\d+)?$/),
  })
  .catchall(z.union([z.number(), z.string(), z.null()]));

export const usageResult = z.array(usageResultItem);
export type UsageResultItem = z.infer<typeof usageResultItem>;

const errorBody = (type: string) =>
  z.object({ type: z.literal(type), message: z.string(), detail: z.unknown().optional() });
export const badRequestError = errorBody('BadRequestError');
export const unauthorizedError = errorBody('UnauthorizedError');
export const notFoundError = errorBody('NotFoundError');
export const requestValidationError = errorBody('RequestValidationError');
