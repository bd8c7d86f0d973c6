// The one place where domain errors become HTTP: application/problem+json for the native and admin
// APIs (compat profiles map the same errors to their vendors' bodies in their own folders).
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Problem } from '../contract/problem.js';
import {
  DomainError,
  type DomainErrorCode,
  RateLimitedError,
  UnavailableError,
  ValidationError,
} from '../errors/domain-errors.js';

export const STATUS: Record<DomainErrorCode, ContentfulStatusCode> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
  query_too_expensive: 400,
  result_out_of_range: 422,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Status of any error: domain errors by code, Hono's own 4xx (malformed JSON body, unsupported
 * media type from the route validators) as they are, everything else 500. */
export function statusOf(err: unknown): ContentfulStatusCode {
  if (err instanceof DomainError) return STATUS[err.code];
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    return err.status as ContentfulStatusCode;
  }
  return 500;
}

/** Retry-After seconds for errors that have one. */
export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof RateLimitedError || err instanceof UnavailableError)
    return err.retryAfterSeconds;
  return undefined;
}

export function problemBody(
  status: number,
  detail: string,
  requestId: string,
  extensions?: Problem['extensions'],
): Problem {
  const body: Problem = {
    type: 'about:blank',
    title: TITLE[status] ?? 'Error',
    status,
    detail,
    instance: `urn:request:${requestId}`,
  };
  if (extensions) body.extensions = extensions;
  return body;
}

/** Renders a problem response. The content type is exactly application/problem+json (no charset),
 * because the OpenMeter client only reads the body when the header equals that. */
export function problemResponse(c: Context, err: unknown, requestId: string): Response {
  const status = statusOf(err);
  const detail =
    err instanceof DomainError || (err instanceof HTTPException && status < 500)
      ? err.message
      : 'internal error; the request id identifies it in the server log';
  const ext =
    err instanceof ValidationError
      ? {
          validationErrors: err.issues.map((i) => ({
            field: i.path,
            code: 'validation_error',
            message: i.path ? `${i.path}: ${i.message}` : i.message,
          })),
        }
      : undefined;
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  const retry = retryAfterOf(err);
  if (retry !== undefined) headers['Retry-After'] = String(retry);
  return c.body(JSON.stringify(problemBody(status, detail, requestId, ext)), status, headers);
}
