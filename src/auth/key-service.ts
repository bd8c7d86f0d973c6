import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { KeyKind } from '../contract/vocabulary.js';
import { NotFoundError, ValidationError } from '../errors/domain-errors.js';
import { sha256Hex } from '../lib/hash.js';
import type { AccountRepo } from '../store/ports.js';
import type { Account, ApiKeyRecord } from './account-and-key.js';
import { bindingCreationIssue } from './key-binding.js';

export interface Principal {
  accountId: string;
  kind: KeyKind;
  keyId: string;
  /** The bound subject: what it means per kind is in key-binding.ts. */
  subject?: string;
}

const PREFIX: Record<KeyKind, string> = { secret: 'sk_', ingest: 'ik_', publishable: 'pk_' };

/**
 * Accounts and API keys. Keys are random, shown once, stored as SHA-256 (a fast hash is enough:
 * the keys carry 192 random bits, so there is nothing to brute-force). Verification is cached
 * briefly so that a key created by another process works within seconds.
 */
export class KeyService {
  private cache = new Map<string, { principal: Principal | undefined; at: number }>();

  constructor(
    private readonly repo: AccountRepo,
    private readonly now: () => number = Date.now,
    private readonly cacheTtlMs = 2_000,
  ) {}

  async createAccount(
    name: string,
    profiles: string[] = [],
    id: string = ulid(),
  ): Promise<Account> {
    const account: Account = { id, name, createdAt: new Date(this.now()).toISOString(), profiles };
    await this.repo.putAccount(account);
    return account;
  }

  async getAccount(id: string): Promise<Account> {
    const a = (await this.repo.listAccounts()).find((x) => x.id === id);
    if (!a) throw new NotFoundError(`account "${id}" not found`);
    return a;
  }

  listAccounts(): Promise<Account[]> {
    return this.repo.listAccounts();
  }

  async setProfiles(id: string, profiles: string[]): Promise<Account> {
    const a = await this.getAccount(id);
    const next = { ...a, profiles: [...new Set(profiles)].sort() };
    await this.repo.putAccount(next);
    return next;
  }

  /** Creates a key; `raw` lets operators pin a known key (e.g. TALLY_DEMO_SECRET_KEY). */
  async createKey(
    accountId: string,
    kind: KeyKind,
    subject?: string,
    raw: string = PREFIX[kind] + randomBytes(24).toString('base64url'),
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const issue = bindingCreationIssue(kind, subject);
    if (issue) throw new ValidationError([{ path: 'subject', message: issue }]);
    await this.getAccount(accountId);
    const record: ApiKeyRecord = {
      id: ulid(),
      accountId,
      kind,
      hash: sha256Hex(raw),
      prefix: raw.slice(0, 7),
      createdAt: new Date(this.now()).toISOString(),
    };
    if (subject !== undefined) record.subject = subject;
    await this.repo.putKey(record);
    this.cache.delete(record.hash);
    return { key: raw, record };
  }

  listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    return this.repo.listKeys(accountId);
  }

  async revokeKey(accountId: string, keyId: string): Promise<void> {
    const key = (await this.repo.listKeys(accountId)).find((k) => k.id === keyId);
    if (!key) throw new NotFoundError(`key "${keyId}" not found`);
    await this.repo.putKey({ ...key, revokedAt: new Date(this.now()).toISOString() });
    this.cache.delete(key.hash);
  }

  async verify(raw: string): Promise<Principal | undefined> {
    const hash = sha256Hex(raw);
    const hit = this.cache.get(hash);
    if (hit && this.now() - hit.at < this.cacheTtlMs) return hit.principal;
    const rec = await this.repo.findKeyByHash(hash);
    const principal: Principal | undefined =
      rec && !rec.revokedAt
        ? {
            accountId: rec.accountId,
            kind: rec.kind,
            keyId: rec.id,
            ...(rec.subject === undefined ? {} : { subject: rec.subject }),
          }
        : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, at: this.now() });
    return principal;
  }
}
