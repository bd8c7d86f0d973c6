// Domain errors in a vendor's error body. The kit decides the status (COMPAT_STATUS), the
// Retry-After header and the message; a profile supplies only how its vendor's body looks and, for
// errors raised past its own parsing (the planner's), the vendor's names of native parameters.

import type { ErrorHandler } from 'hono';
import type { Issue } from '../../../errors/domain-errors.js';
import {
  COMPAT_STATUS,
  type DomainStatus,
  domainErrorCode,
  retryAfterSeconds,
} from './compat-status.js';
import type { CompatEnv } from './key-auth.js';
import { type ParamIssue, QueryParamsError } from './request-errors.js';

/** A domain error as a vendor body is built from it. */
export interface VendorError<S extends number = DomainStatus> {
  status: DomainStatus | S;
  /** The whole message: a validation error's issues joined with "; ". */
  message: string;
  /** One line per validation issue; the message alone for other errors. */
  lines: readonly string[];
  /** Set when the query string failed its schema. */
  params?: readonly ParamIssue[];
}

/** What a profile declares about its vendor's errors. `S`: statuses beyond the domain table. */
export interface VendorErrors<S extends number = DomainStatus> {
  body(e: VendorError<S>): unknown;
  /** Status for a query string that fails its schema, when the vendor's differs from 400. */
  queryParamsStatus?: S;
  /** Native parameter name (a planner issue path such as "from") -> the vendor's name. */
  paramNames?: Readonly<Record<string, string>>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An issue under the vendor's names. A message that opens with its own field ("from must be
 * before to") is a sentence about native parameters: every native name in it is renamed, so that
 * Opper reads "from_date must be before to_date". Otherwise the path is renamed and prefixed.
 */
export function vendorIssueLine(issue: Issue, names: Readonly<Record<string, string>>): string {
  if (issue.path !== '' && issue.message.startsWith(`${issue.path} `)) {
    const keys = Object.keys(names);
    if (keys.length === 0) return issue.message;
    const words = new RegExp(`(?<![\\w.])(${keys.map(escapeRegExp).join('|')})(?![\\w.])`, 'g');
    return issue.message.replace(words, (k) => names[k] ?? k);
  }
  const path = names[issue.path] ?? issue.path;
  return path ? `${path}: ${issue.message}` : issue.message;
}

function issuesOf(err: unknown): readonly Issue[] | undefined {
  const issues = (err as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as Issue[]) : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The vendor error and Retry-After of a domain error, or undefined for anything else (which the
 * caller rethrows, so that the server's handler answers it as a 500).
 */
export function vendorError<S extends number>(
  err: unknown,
  spec: VendorErrors<S>,
): { error: VendorError<S>; retryAfter?: number } | undefined {
  const code = domainErrorCode(err);
  const status = code && COMPAT_STATUS[code];
  if (!code || !status) return undefined;
  const retryAfter = retryAfterSeconds(code, err);
  const timing = retryAfter === undefined ? {} : { retryAfter };
  if (err instanceof QueryParamsError) {
    // The schema speaks the vendor's names already.
    const lines = err.issues.map((i) => vendorIssueLine(i, {}));
    return {
      error: {
        status: spec.queryParamsStatus ?? status,
        message: err.message,
        lines,
        params: err.params,
      },
      ...timing,
    };
  }
  const issues = code === 'validation' ? issuesOf(err) : undefined;
  if (issues && issues.length > 0) {
    const lines = issues.map((i) => vendorIssueLine(i, spec.paramNames ?? {}));
    return { error: { status, message: lines.join('; '), lines }, ...timing };
  }
  const message = errorMessage(err);
  return { error: { status, message, lines: [message] }, ...timing };
}

/** The profile's `app.onError`: its vendor's body for domain errors, anything else rethrown. */
export function vendorErrorHandler<S extends DomainStatus | 422>(
  spec: VendorErrors<S>,
): ErrorHandler<CompatEnv> {
  return (err, c) => {
    const out = vendorError(err, spec);
    if (!out) throw err;
    if (out.retryAfter !== undefined) c.header('Retry-After', String(out.retryAfter));
    return c.json(spec.body(out.error), out.error.status);
  };
}
