// LaunchDarkly's error bodies are `{code, message}` (InvalidRequestErrorRep, UnauthorizedErrorRep,
// ForbiddenErrorRep, NotFoundErrorRep, RateLimitedErrorRep).

import type { Context } from 'hono';
import { domainErrorCode, errorMessage, retryAfter } from '../shared/domain-error-code.js';

type Status = 400 | 401 | 403 | 404 | 429 | 503;

const CODES: Record<Status, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export function ldError(c: Context, status: Status, message: string): Response {
  return c.json({ code: CODES[status], message }, status);
}

export function ldDomainError(c: Context, err: unknown): Response {
  const msg = errorMessage(err);
  switch (domainErrorCode(err)) {
    case 'validation':
    case 'query_too_expensive':
    case 'result_out_of_range':
      return ldError(c, 400, msg);
    case 'not_found':
      return ldError(c, 404, msg);
    case 'unauthorized':
      return ldError(c, 401, msg);
    case 'forbidden':
      return ldError(c, 403, msg);
    case 'rate_limited':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return ldError(c, 429, msg);
    case 'unavailable':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return ldError(c, 503, msg);
    default:
      throw err;
  }
}
