// A write that fails part way with a transient error: the meter rows landed, the events insert was
// refused (as a replica or ZooKeeper outage does). The caller gets the 503 at once; the writer keeps
// the identities held and sends only what failed again, unchanged; a client's resend is answered as
// a duplicate. Nothing is stored twice: before this, the resend wrote the meter rows a second time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/errors/domain-errors.js';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { LocalDedupe } from '../../src/store/clickhouse/local-dedupe.js';
import { Writer } from '../../src/store/clickhouse/writer.js';
import { REQUEST_EPOCH, requestItem, TEST_WRITER_OPTIONS } from './request-events.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase, openStore } from './stores.js';

const skip = skipClickHouse();
const N = 25;

function items(): IngestItem[] {
  return Array.from({ length: N }, (_, k) => requestItem(k, { time: REQUEST_EPOCH + k }));
}

describe.skipIf(skip)('writer: a write refused part way', () => {
  const database = freshDatabase('tally_retry');
  let base: ChConnection;
  let refuseEvents = 1;
  const sent: { table: string; body: string }[] = [];
  let writer: Writer;

  beforeAll(async () => {
    await (await openStore('single', database)).close();
    base = connect(servers().singleUrl, database);
    const faulty: ChConnection = {
      url: base.url,
      exec: (sql, settings) => base.exec(sql, settings),
      insert: (table, rows, settings) => base.insert(table, rows, settings),
      insertTsv: (table, columns, body, settings) => {
        sent.push({ table, body });
        if (table === 'events' && refuseEvents > 0) {
          refuseEvents--;
          return Promise.reject(new UnavailableError('injected: table is read-only', 1));
        }
        return base.insertTsv(table, columns, body, settings);
      },
      close: () => base.close(),
    };
    writer = new Writer(
      faulty,
      new LocalDedupe(faulty, {}),
      async () => new Map(),
      TEST_WRITER_OPTIONS,
    );
  });
  afterAll(async () => {
    await base?.close();
    await dropDatabase('single', database);
  });

  it('answers 503 at once, completes the write unchanged, and answers the resend as duplicates', async () => {
    await expect(writer.append(items())).rejects.toBeInstanceOf(UnavailableError);
    const resend = await writer.append(items());
    expect(resend.duplicates).toEqual([...Array(N).keys()]);

    const count = async (table: string) =>
      Number((await base.exec<{ n: string }>(`SELECT count() AS n FROM ${table}`))[0]?.n);
    expect({ events: await count('events'), meterRows: await count('meter_rows') }).toEqual({
      events: N,
      meterRows: N,
    });
    // Only the refused statement was sent again, with the same body.
    const events = sent.filter((s) => s.table === 'events');
    expect(events.length).toBe(2);
    expect(events[1]?.body).toBe(events[0]?.body);
    expect(sent.filter((s) => s.table === 'meter_rows').length).toBe(1);
  });
});
