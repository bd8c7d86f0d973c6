// Accounts, API keys and meters, stored in ClickHouse so every Tally process sees the same ones.
// Each record is one JSON body with a version; reads take the newest version per id.
import type { Account, ApiKeyRecord } from '../../auth/account-and-key.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import type { ChConnection } from './client.js';
import { lit } from './quote.js';
import { nextVersion } from './version.js';

/** Key lookups are on every request; a short cache keeps them off ClickHouse without hiding a
 * new or revoked key for more than this long on another process. */
const KEY_CACHE_MS = 1000;

interface Body {
  body: string;
}

function parse<T>(rows: Body[]): T[] {
  return rows.map((r) => JSON.parse(r.body) as T);
}

function byCreated<T extends { createdAt: string; id: string }>(a: T, b: T): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

export class Metadata {
  private keyCache = new Map<string, { at: number; key: ApiKeyRecord | undefined }>();

  constructor(
    private readonly conn: ChConnection,
    private readonly insertSettings: Record<string, number>,
  ) {}

  async listAccounts(): Promise<Account[]> {
    const rows = await this.conn.exec<Body>(
      'SELECT argMax(body, version) AS body FROM accounts GROUP BY id',
    );
    return parse<Account>(rows).sort(byCreated);
  }

  putAccount(account: Account): Promise<void> {
    return this.conn.insert(
      'accounts',
      [{ id: account.id, body: JSON.stringify(account), version: nextVersion() }],
      this.insertSettings,
    );
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const where = accountId === undefined ? '' : ` WHERE account_id = ${lit(accountId)}`;
    const rows = await this.conn.exec<Body>(
      `SELECT argMax(body, version) AS body FROM api_keys${where} GROUP BY account_id, id`,
    );
    return parse<ApiKeyRecord>(rows).sort(byCreated);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.keyCache.get(hash);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    // The newest version of each key, kept when that version has this hash (a small table).
    const rows = await this.conn.exec<Body>(
      `SELECT argMax(body, version) AS body, argMax(hash, version) AS h FROM api_keys GROUP BY account_id, id HAVING h = ${lit(hash)}`,
    );
    const key = parse<ApiKeyRecord>(rows).find((k) => k.hash === hash);
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(hash, { at: Date.now(), key });
    return key;
  }

  async putKey(key: ApiKeyRecord): Promise<void> {
    await this.conn.insert(
      'api_keys',
      [
        {
          id: key.id,
          account_id: key.accountId,
          hash: key.hash,
          body: JSON.stringify(key),
          version: nextVersion(),
        },
      ],
      this.insertSettings,
    );
    this.keyCache.delete(key.hash);
  }

  async listMeters(accountId: string | undefined, includeDeleted: boolean) {
    const where = accountId === undefined ? '' : ` WHERE account_id = ${lit(accountId)}`;
    const rows = await this.conn.exec<Body>(
      `SELECT argMax(body, version) AS body FROM meters${where} GROUP BY account_id, id`,
    );
    return parse<MeterDefinition>(rows)
      .filter((m) => includeDeleted || !m.deletedAt)
      .sort(byCreated);
  }

  putMeter(meter: MeterDefinition): Promise<void> {
    return this.conn.insert(
      'meters',
      [
        {
          id: meter.id,
          account_id: meter.accountId,
          body: JSON.stringify(meter),
          version: nextVersion(),
        },
      ],
      this.insertSettings,
    );
  }
}
