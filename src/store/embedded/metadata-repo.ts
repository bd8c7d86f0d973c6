// Accounts, API keys and meter definitions of the embedded store: small tables read on a reader
// connection and written through the writer's chain (one write connection at a time).
import type { Account, ApiKeyRecord } from '../../auth/account-and-key.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import { KEY_COLUMNS, type Row, toKey } from './row-decoding.js';
import { lit, litList } from './sql-quote.js';

export class MetadataRepo {
  constructor(
    private readonly read: (sql: string) => Promise<Row[]>,
    /** Runs one statement on the writer connection, after the writes queued before it. */
    private readonly write: (sql: string) => Promise<void>,
  ) {}

  async listMeters(accountId: string, includeDeleted = false): Promise<MeterDefinition[]> {
    const all = (
      await this.read(`SELECT body FROM meters WHERE account_id = ${lit(accountId)}`)
    ).map(parseMeter);
    return all.filter((m) => includeDeleted || !m.deletedAt);
  }

  async listAllMeters(): Promise<MeterDefinition[]> {
    return (await this.read('SELECT body FROM meters')).map(parseMeter).filter((m) => !m.deletedAt);
  }

  putMeter(m: MeterDefinition): Promise<void> {
    return this.write(
      `INSERT OR REPLACE INTO meters VALUES (${litList([m.id, m.accountId, JSON.stringify(m)])})`,
    );
  }

  async listAccounts(): Promise<Account[]> {
    return (
      await this.read('SELECT id, name, created_at, profiles FROM accounts ORDER BY created_at, id')
    ).map((r) => ({
      id: String(r.id),
      name: String(r.name),
      createdAt: String(r.created_at),
      profiles: JSON.parse(String(r.profiles)) as string[],
    }));
  }

  putAccount(a: Account): Promise<void> {
    return this.write(
      `INSERT OR REPLACE INTO accounts VALUES (${litList([a.id, a.name, a.createdAt, JSON.stringify(a.profiles)])})`,
    );
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const where = accountId === undefined ? '' : ` WHERE account_id = ${lit(accountId)}`;
    return (
      await this.read(`SELECT ${KEY_COLUMNS} FROM api_keys${where} ORDER BY created_at, id`)
    ).map(toKey);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.read(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = ${lit(hash)}`);
    return row ? toKey(row) : undefined;
  }

  putKey(k: ApiKeyRecord): Promise<void> {
    // Positional VALUES: the table's column order is schema.ts's, the same as KEY_COLUMNS.
    return this.write(
      `INSERT OR REPLACE INTO api_keys VALUES (${litList([k.id, k.accountId, k.kind, k.subject ?? null, k.hash, k.prefix, k.createdAt, k.revokedAt ?? null])})`,
    );
  }
}

function parseMeter(r: Row): MeterDefinition {
  return JSON.parse(String(r.body)) as MeterDefinition;
}
