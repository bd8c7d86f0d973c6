// The record collections on ClickHouse (ports.ts, RecordRepo), shared by every Tally process. Each
// write is a new version of the record; reads take the newest one and leave out deletions.
import type { RecordCollection, StoredRecord } from '../ports.js';
import type { ChConnection } from './client.js';
import { lit } from './quote.js';
import { nextVersion } from './version.js';

interface Newest {
  id: string;
  body: string;
}

export class Records {
  constructor(
    private readonly conn: ChConnection,
    private readonly insertSettings: Record<string, number>,
  ) {}

  private async newest(
    collection: RecordCollection,
    accountId: string,
    id?: string,
  ): Promise<StoredRecord[]> {
    const one = id === undefined ? '' : ` AND id = ${lit(id)}`;
    const rows = await this.conn.exec<Newest>(
      `SELECT id, argMax(body, version) AS body, argMax(deleted, version) AS gone FROM records WHERE collection = ${lit(collection)} AND account_id = ${lit(accountId)}${one} GROUP BY id HAVING gone = 0 ORDER BY id`,
    );
    return rows.map((r) => ({ collection, accountId, id: r.id, body: r.body }));
  }

  listRecords(collection: RecordCollection, accountId: string): Promise<StoredRecord[]> {
    return this.newest(collection, accountId);
  }

  async getRecord(collection: RecordCollection, accountId: string, id: string) {
    const [record] = await this.newest(collection, accountId, id);
    return record;
  }

  putRecord(r: StoredRecord): Promise<void> {
    return this.write(r, 0);
  }

  deleteRecord(collection: RecordCollection, accountId: string, id: string): Promise<void> {
    return this.write({ collection, accountId, id, body: '' }, 1);
  }

  private write(r: StoredRecord, deleted: 0 | 1): Promise<void> {
    return this.conn.insert(
      'records',
      [
        {
          collection: r.collection,
          account_id: r.accountId,
          id: r.id,
          body: r.body,
          deleted,
          version: nextVersion(),
        },
      ],
      this.insertSettings,
    );
  }
}
