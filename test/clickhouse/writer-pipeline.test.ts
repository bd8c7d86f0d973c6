// The writer's pipeline against a real server: concurrent appends share flushes (group commit),
// and a resend of committed events is answered from this process's memory without a dedupe read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { type ChConnection, connect } from '../../src/store/clickhouse/client.js';
import { LocalDedupe } from '../../src/store/clickhouse/local-dedupe.js';
import { Writer } from '../../src/store/clickhouse/writer.js';
import { REQUEST_EPOCH, requestItem, TEST_WRITER_OPTIONS } from './request-events.js';
import { freshDatabase, servers, skipClickHouse } from './servers.js';
import { dropDatabase, openStore } from './stores.js';

const skip = skipClickHouse();

function items(from: number, n: number): IngestItem[] {
  return Array.from({ length: n }, (_, k) =>
    requestItem(from + k, { time: REQUEST_EPOCH + from + k }),
  );
}

describe.skipIf(skip)('writer pipeline', () => {
  const database = freshDatabase('tally_pipe');
  const inserts = new Map<string, number>();
  let reads = 0;
  let base: ChConnection;
  let writer: Writer;
  beforeAll(async () => {
    await (await openStore('single', database)).close();
    base = connect(servers().singleUrl, database);
    const counting: ChConnection = {
      url: base.url,
      exec: (sql, settings) => {
        if (sql.includes('FROM event_keys')) reads++;
        return base.exec(sql, settings);
      },
      insert: (table, rows, settings) => {
        inserts.set(table, (inserts.get(table) ?? 0) + 1);
        return base.insert(table, rows, settings);
      },
      insertTsv: (table, columns, body, settings) => {
        inserts.set(table, (inserts.get(table) ?? 0) + 1);
        return base.insertTsv(table, columns, body, settings);
      },
      close: () => base.close(),
    };
    const dedupe = new LocalDedupe(counting, {});
    writer = new Writer(counting, dedupe, async () => new Map(), TEST_WRITER_OPTIONS);
  });
  afterAll(async () => {
    await base?.close();
    await dropDatabase('single', database);
  });

  it('shares flushes between concurrent appends and answers resends from memory', async () => {
    const appends = 40;
    const results = await Promise.all(
      Array.from({ length: appends }, (_, a) => writer.append(items(a * 10, 10))),
    );
    expect(results.every((r) => r.duplicates.length === 0)).toBe(true);
    // One events insert per flush: far fewer than one per append.
    expect(inserts.get('events') ?? 0).toBeLessThan(appends / 2);
    const [count] = await base.exec<{ n: string }>('SELECT count() AS n FROM events');
    expect(Number(count?.n)).toBe(appends * 10);

    const claimsBefore = inserts.get('event_keys') ?? 0;
    const readsBefore = reads;
    const again = await writer.append(items(0, 10));
    expect(again.duplicates).toEqual([...Array(10).keys()]);
    // Neither a claim insert nor a read of event_keys: answered from memory.
    expect(inserts.get('event_keys') ?? 0).toBe(claimsBefore);
    expect(reads).toBe(readsBefore);
  });
});
