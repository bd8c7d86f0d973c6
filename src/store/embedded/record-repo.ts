// The record collections of the embedded store (ports.ts, RecordRepo): one table keyed by
// (collection, account, id), read on a reader connection and written through the writer's chain.
import type { RecordCollection, StoredRecord } from '../ports.js';
import type { Row } from './row-decoding.js';
import { lit, litList } from './sql-quote.js';

export class RecordRepo {
  constructor(
    private readonly read: (sql: string) => Promise<Row[]>,
    private readonly write: (sql: string) => Promise<void>,
  ) {}

  async listRecords(collection: RecordCollection, accountId: string): Promise<StoredRecord[]> {
    const rows = await this.read(
      `SELECT id, body FROM records WHERE collection = ${lit(collection)} AND account_id = ${lit(accountId)} ORDER BY id`,
    );
    return rows.map((r) => ({ collection, accountId, id: String(r.id), body: String(r.body) }));
  }

  async getRecord(
    collection: RecordCollection,
    accountId: string,
    id: string,
  ): Promise<StoredRecord | undefined> {
    const [row] = await this.read(
      `SELECT body FROM records WHERE collection = ${lit(collection)} AND account_id = ${lit(accountId)} AND id = ${lit(id)}`,
    );
    return row ? { collection, accountId, id, body: String(row.body) } : undefined;
  }

  putRecord(r: StoredRecord): Promise<void> {
    return this.write(
      `INSERT OR REPLACE INTO records VALUES (${litList([r.collection, r.accountId, r.id, r.body])})`,
    );
  }

  deleteRecord(collection: RecordCollection, accountId: string, id: string): Promise<void> {
    return this.write(
      `DELETE FROM records WHERE collection = ${lit(collection)} AND account_id = ${lit(accountId)} AND id = ${lit(id)}`,
    );
  }
}
