// Livepeer answers errors as `{"errors": ["..."]}` with a JSON content type; the official client
// surfaces the raw body in SDKError for any 4xx/5xx.

import type { Context } from 'hono';
import { domainErrorCode, errorMessage, retryAfter } from '../shared/domain-error-code.js';

type ErrorStatus = 400 | 401 | 403 | 404 | 422 | 429 | 500 | 503;

export function livepeerError(c: Context, status: ErrorStatus, ...messages: string[]): Response {
  return c.json({ errors: messages }, status);
}

export function livepeerDomainError(c: Context, err: unknown): Response {
  const msg = errorMessage(err);
  switch (domainErrorCode(err)) {
    case 'validation':
    case 'query_too_expensive':
    case 'result_out_of_range':
      return livepeerError(c, 400, msg);
    case 'not_found':
      return livepeerError(c, 404, msg);
    case 'unauthorized':
      return livepeerError(c, 401, msg);
    case 'forbidden':
      return livepeerError(c, 403, msg);
    case 'rate_limited':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return livepeerError(c, 429, msg);
    case 'unavailable':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return livepeerError(c, 503, msg);
    default:
      throw err;
  }
}
