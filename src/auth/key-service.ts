import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { KeyKind } from '../contract/vocabulary.js';
import { NotFoundError, ValidationError } from '../errors/domain-errors.js';
import { sha256Hex } from '../lib/hash.js';
import type { AccountRepo, RecordRepo } from '../store/ports.js';
import type { Account, ApiKeyRecord } from './account-and-key.js';
import { bindingCreationIssue, customerBindingIssue } from './key-binding.js';

export interface Principal {
  accountId: string;
  kind: KeyKind;
  keyId: string;
  /** The bound subject: what it means per kind is in key-binding.ts. */
  subject?: string;
  /** The bound customer (publishable keys only): reads the customer's subjects. */
  customerId?: string;
}

/** Where a key's customer binding is kept (by key id): the key row has no column for it. */
const BINDINGS = 'key_customers';

const PREFIX: Record<KeyKind, string> = { secret: 'sk_', ingest: 'ik_', publishable: 'pk_' };

/**
 * Accounts and API keys. Keys are random, shown once, stored as SHA-256 (a fast hash is enough:
 * the keys carry 192 random bits, so there is nothing to brute-force). Verification is cached
 * briefly so that a key created by another process works within seconds.
 */
export class KeyService {
  private cache = new Map<string, { principal: Principal | undefined; at: number }>();

  constructor(
    private readonly repo: AccountRepo & RecordRepo,
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

  /**
   * Creates a key; `raw` lets operators pin a known key (e.g. TALLY_DEMO_SECRET_KEY). The caller
   * checks that `customerId` names a live customer of the account.
   */
  async createKey(
    accountId: string,
    kind: KeyKind,
    subject?: string,
    raw: string = PREFIX[kind] + randomBytes(24).toString('base64url'),
    customerId?: string,
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const issue = bindingCreationIssue(kind, subject);
    if (issue) throw new ValidationError([{ path: 'subject', message: issue }]);
    const customerIssue =
      customerId === undefined ? undefined : customerBindingIssue(kind, subject);
    if (customerIssue) throw new ValidationError([{ path: 'customerId', message: customerIssue }]);
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
    if (customerId !== undefined) {
      // The binding is written before the key: the key never exists unbound.
      await this.repo.putRecord({
        collection: BINDINGS,
        accountId,
        id: record.id,
        body: JSON.stringify({ customerId }),
      });
    }
    await this.repo.putKey(record);
    if (customerId !== undefined) record.customerId = customerId;
    this.cache.delete(record.hash);
    return { key: raw, record };
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const keys = await this.repo.listKeys(accountId);
    const bindings = new Map(
      (await this.repo.listRecords(BINDINGS, accountId)).map((r) => [r.id, customerOf(r.body)]),
    );
    return keys.map((k) => {
      const customerId = bindings.get(k.id);
      return customerId === undefined ? k : { ...k, customerId };
    });
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
    // Only an unbound publishable key can carry a customer binding.
    if (principal && principal.kind === 'publishable' && principal.subject === undefined) {
      const binding = await this.repo.getRecord(BINDINGS, principal.accountId, principal.keyId);
      if (binding) principal.customerId = customerOf(binding.body);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, at: this.now() });
    return principal;
  }
}

function customerOf(body: string): string {
  return String((JSON.parse(body) as { customerId: unknown }).customerId);
}
