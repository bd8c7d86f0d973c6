// Accounts and API keys as stored. The key itself is never kept, only its hash.

import type { KeyKind } from '../contract/vocabulary.js';

export interface Account {
  id: string;
  name: string;
  createdAt: string;
  /** Compat profiles this account has enabled (e.g. "livepeer"). */
  profiles: string[];
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  kind: KeyKind;
  /** The bound subject (publishable: reads only it; ingest: writes only it; secret: refused). */
  subject?: string;
  /**
   * The customer a publishable key is bound to: it reads that customer's subjects as they stand at
   * each request. Kept in the record collection 'key_customers' (by key id), not in the key row.
   */
  customerId?: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** First characters of the key, safe to show. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}
