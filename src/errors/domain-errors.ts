// The closed set of domain errors. They carry no HTTP status: `src/api/problem.ts` maps them to
// problem+json in one place, and each compat profile maps them to its vendor's error body.
import type { DomainErrorCode } from '../contract/vocabulary.js';

export interface Issue {
  /** Where the problem is, e.g. "windowSize" or "events[3].time". */
  path: string;
  message: string;
}

export type { DomainErrorCode } from '../contract/vocabulary.js';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export class ValidationError extends DomainError {
  readonly code = 'validation';
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class UnavailableError extends DomainError {
  readonly code = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

export class QueryTooExpensiveError extends DomainError {
  readonly code = 'query_too_expensive';
}

/** A query result that a number cannot carry: an aggregate beyond the range of a double. */
export class ResultOutOfRangeError extends DomainError {
  readonly code = 'result_out_of_range';
}

/** Throws a ValidationError when `issues` is not empty. */
export function assertNoIssues(issues: Issue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}
