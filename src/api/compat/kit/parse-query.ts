// Query strings into typed parameters: a schema failure throws, and the profile's error handler
// renders it in the vendor's body.

import type { Context } from 'hono';
import type { z } from 'zod';
import { queryObject } from '../shared/query-params.js';
import { QueryParamsError } from './request-errors.js';

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(queryObject(c.req.url));
  if (!parsed.success) throw new QueryParamsError(parsed.error.issues);
  return parsed.data;
}
