// The one table from domain error codes to the HTTP statuses compat profiles answer with, and the
// Retry-After rule. Profiles read an error's `code` rather than use `instanceof`, so that an error
// crossing a module boundary (or a test double) maps the same way.

import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../../../contract/vocabulary.js';
import { STATUS } from '../../problem.js';

/** The statuses a domain error maps to on a compat route. */
export type DomainStatus = 400 | 401 | 403 | 404 | 429 | 503;

/**
 * The native problem+json table (src/api/problem.ts) with two vendor-facing differences: a result
 * out of range is the caller's 400 (vendors document no 422 for queries), and `conflict` is absent
 * because no compat route writes; an unmapped code is rethrown to the server's handler.
 */
export const COMPAT_STATUS: Readonly<Partial<Record<DomainErrorCode, DomainStatus>>> =
  compatStatuses();

function compatStatuses(): Partial<Record<DomainErrorCode, DomainStatus>> {
  const out: Partial<Record<DomainErrorCode, DomainStatus>> = {};
  for (const code of DOMAIN_ERROR_CODES) {
    if (code === 'conflict') continue;
    out[code] = code === 'result_out_of_range' ? 400 : (STATUS[code] as DomainStatus);
  }
  return out;
}

/** Codes whose answer tells the client when to retry (1 s when the error does not say). */
const RETRY_CODES: ReadonlySet<DomainErrorCode> = new Set(['rate_limited', 'unavailable']);

const CODES: ReadonlySet<string> = new Set<string>(DOMAIN_ERROR_CODES);

export function domainErrorCode(err: unknown): DomainErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && CODES.has(code) ? (code as DomainErrorCode) : undefined;
}

/** Retry-After seconds for an error of `code`, or undefined when its answer has none. */
export function retryAfterSeconds(code: DomainErrorCode, err: unknown): number | undefined {
  if (!RETRY_CODES.has(code)) return undefined;
  const v = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof v === 'number' ? v : 1;
}
