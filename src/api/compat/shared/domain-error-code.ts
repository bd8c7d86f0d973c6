// Profiles map domain errors to their vendor's body. They read the error's `code` rather than use
// `instanceof`, so that an error crossing a module boundary (or a test double) maps the same way.

import { DOMAIN_ERROR_CODES, type DomainErrorCode } from '../../../contract/vocabulary.js';

/** The domain error codes, as profiles name them. */
export type CompatErrorCode = DomainErrorCode;

const CODES: ReadonlySet<string> = new Set<string>(DOMAIN_ERROR_CODES);

export function domainErrorCode(err: unknown): CompatErrorCode | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && CODES.has(code) ? (code as CompatErrorCode) : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Retry-After seconds carried by rate-limited/unavailable errors, when present. */
export function retryAfter(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('retryAfterSeconds' in err)) return undefined;
  const v = (err as { retryAfterSeconds: unknown }).retryAfterSeconds;
  return typeof v === 'number' ? v : undefined;
}
