// The one way this store signals "ClickHouse cannot serve now" (maps to 503 + Retry-After).
// Until src/errors/domain-errors.ts is on main this is a structurally identical stand-in
// (code 'unavailable', retryAfterSeconds); then it becomes a re-export of UnavailableError.
export class StoreUnavailableError extends Error {
  readonly code = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}
