// The one way this store signals "ClickHouse cannot serve now": the domain's UnavailableError
// (503 + Retry-After upstream), re-exported under the name the store's modules use.
export { UnavailableError as StoreUnavailableError } from '../../errors/domain-errors.js';
