// A second events row of one identity (what a write that failed part way in a process that died,
// and was written again by the client's retry, can leave behind in `single` writers mode: 18.16 has
// no multi-table transaction) is listed once and read once by a meter backfill.
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/store/clickhouse/client.js';
import { EVENT_COLUMNS, eventTsv } from '../../src/store/clickhouse/rows.js';
import { requestItem } from './request-events.js';
import { servers, skipClickHouse } from './servers.js';
import { suiteStore } from './suite-store.js';

const skip = skipClickHouse();

describe.skipIf(skip)('raw events stored twice by a partial write', () => {
  const suite = suiteStore('single', 'tally_rawdup');

  it('are listed once and backfilled once', async () => {
    const store = suite.store();
    await store.append([0, 1, 2].map((n) => requestItem(n)));
    // The orphaned copy of e1: the same identity and event, another ingest time.
    const conn = connect(servers().singleUrl, suite.database);
    try {
      const copy = requestItem(1, { ingestedAt: requestItem(1).event.ingestedAt + 5_000 }).event;
      await conn.insertTsv('events', EVENT_COLUMNS, eventTsv(copy));
      const [raw] = await conn.exec<{ n: string }>('SELECT count() AS n FROM events');
      expect(Number(raw?.n)).toBe(4);
    } finally {
      await conn.close();
    }

    const listed = await store.listEvents({ accountId: 'acc', limit: 100 });
    expect(listed.map((e) => e.id).sort()).toEqual(['e0', 'e1', 'e2']);

    const scanned: string[] = [];
    await store.scanEvents('acc', 'request', async (events) => {
      scanned.push(...events.map((e) => e.id));
    });
    expect(scanned).toEqual(['e0', 'e1', 'e2']);
  });
});
