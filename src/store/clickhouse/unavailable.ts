// The one way this store signals "ClickHouse cannot serve now": the domain's UnavailableError
// (503 + Retry-After upstream), re-exported under the name the store's modules use.
import { UnavailableError } from '../../errors/domain-errors.js';

export { UnavailableError as StoreUnavailableError };

/**
 * A coordinated write refused by the slot fence (migrations/0005-fenced-writes.ts): this process no
 * longer owns a slot the write touched. Still a 503 for the caller (the client retries, and its
 * request reaches the new owner), but never sent again by this process: it would be refused again.
 */
export class FencedWriteError extends UnavailableError {}
