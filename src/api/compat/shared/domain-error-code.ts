// Profiles map domain errors to their vendor's body. They read the error's `code` rather than use
// `instanceof`, so that an error crossing a module boundary (or a test double) maps the same way.

export type CompatErrorCode =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'query_too_expensive'
  | 'result_out_of_range';

const CODES: ReadonlySet<string> = new Set<CompatErrorCode>([
  'validation',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'unavailable',
  'query_too_expensive',
  'result_out_of_range',
]);

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
