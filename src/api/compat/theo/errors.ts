// THEO-compatible error body: `{"message": "..."}` with the HTTP status.

import type { Context } from 'hono';
import { domainErrorCode, errorMessage, retryAfter } from '../shared/domain-error-code.js';

type Status = 400 | 401 | 403 | 404 | 429 | 503;

export function theoError(c: Context, status: Status, message: string): Response {
  return c.json({ message }, status);
}

export function theoDomainError(c: Context, err: unknown): Response {
  const msg = errorMessage(err);
  switch (domainErrorCode(err)) {
    case 'validation':
    case 'query_too_expensive':
    case 'result_out_of_range':
      return theoError(c, 400, msg);
    case 'not_found':
      return theoError(c, 404, msg);
    case 'unauthorized':
      return theoError(c, 401, msg);
    case 'forbidden':
      return theoError(c, 403, msg);
    case 'rate_limited':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return theoError(c, 429, msg);
    case 'unavailable':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return theoError(c, 503, msg);
    default:
      throw err;
  }
}
