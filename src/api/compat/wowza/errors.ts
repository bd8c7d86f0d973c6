// Wowza Video's error body: `{meta: {status, code, title, message, description, links}, request_id,
// request_timestamp}`.

import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { domainErrorCode, errorMessage, retryAfter } from '../shared/domain-error-code.js';

type Status = 400 | 401 | 403 | 404 | 429 | 503;

const META: Record<Status, [code: string, title: string]> = {
  400: ['ERR-400-InvalidParameter', 'Invalid Parameter Error'],
  401: ['ERR-401-InvalidToken', 'Invalid Token Error'],
  403: ['ERR-403-Forbidden', 'Forbidden Error'],
  404: ['ERR-404-RecordNotFound', 'Record Not Found Error'],
  429: ['ERR-429-TooManyRequests', 'Too Many Requests Error'],
  503: ['ERR-503-ServiceUnavailable', 'Service Unavailable Error'],
};

export function wowzaError(c: Context, status: Status, message: string): Response {
  const [code, title] = META[status];
  return c.json(
    {
      meta: { status, code, title, message, description: '', links: [] },
      request_id: randomUUID(),
      request_timestamp: new Date().toISOString(),
    },
    status,
  );
}

export function wowzaDomainError(c: Context, err: unknown): Response {
  const msg = errorMessage(err);
  switch (domainErrorCode(err)) {
    case 'validation':
    case 'query_too_expensive':
    case 'result_out_of_range':
      return wowzaError(c, 400, msg);
    case 'not_found':
      return wowzaError(c, 404, msg);
    case 'unauthorized':
      return wowzaError(c, 401, msg);
    case 'forbidden':
      return wowzaError(c, 403, msg);
    case 'rate_limited':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return wowzaError(c, 429, msg);
    case 'unavailable':
      c.header('Retry-After', String(retryAfter(err) ?? 1));
      return wowzaError(c, 503, msg);
    default:
      throw err;
  }
}
