// Opper's error classes: each status has a `{type, message, detail}` body whose `type` names the
// class the official client raises (BadRequestError, UnauthorizedError, ...).

import type { Context } from 'hono';
import { domainErrorCode, errorMessage, retryAfter } from '../shared/domain-error-code.js';

type Status = 400 | 401 | 403 | 404 | 422 | 429 | 500 | 503;

const TYPES: Record<Status, string> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  422: 'RequestValidationError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export function opperError(
  c: Context,
  status: Status,
  message: string,
  detail?: unknown,
): Response {
  return c.json({ type: TYPES[status], message, detail: detail ?? null }, status);
}

export function opperDomainError(c: Context, err: unknown): Response {
  const msg = errorMessage(err);
  switch (domainErrorCode(err)) {
    case 'validation':
    case 'query_too_expensive':
    case 'result_out_of_range':
      return opperError(c, 400, msg);
    case 'not_found':
      return opperError(c, 404, msg);
    case 'unauthorized':
      return opperError(c, 401, msg);
    case 'forbidden':
      return opperError(c, 403, msg);
    case 'rate_limited':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return opperError(c, 429, msg);
    case 'unavailable':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return opperError(c, 503, msg);
    default:
      throw err;
  }
}
