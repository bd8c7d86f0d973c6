// Two Tally processes on one ClickHouse (TALLY_CLICKHOUSE_WRITERS=shared): the same events sent
// through both concurrently are stored once; a key and a meter created by one process are honoured
// by the other.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requestCounts } from './request-events.js';
import { skipClickHouse } from './servers.js';
import type { Topology } from './stores.js';
import { suiteStore } from './suite-store.js';

const skip = skipClickHouse();
const run = promisify(execFile);
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts');
const EVENTS = 1000;

async function worker(env: Record<string, string>, command: string) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', WORKER, command], {
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as Record<string, unknown>;
}

describe.skipIf(skip).each(['single', 'cluster'] as Topology[])(
  'two processes (%s)',
  (topology) => {
    const suite = suiteStore(topology, 'tally_2p', 'shared');

    it('count an event sent through both processes once', async () => {
      const store = suite.store();
      const env = {
        TOPOLOGY: topology,
        DATABASE: suite.database,
        EVENTS: String(EVENTS),
        BATCH: '100',
      };
      const [a, b] = await Promise.all([
        worker(env, 'ingest'),
        worker({ ...env, REVERSE: '1' }, 'ingest'),
      ]);
      expect(Number(a?.stored) + Number(b?.stored)).toBe(EVENTS);
      expect(Number(a?.duplicates) + Number(b?.duplicates)).toBe(EVENTS);
      const stats = await store.stats();
      expect(stats.events).toBe(EVENTS);
      expect(await requestCounts(store)).toEqual([EVENTS]);
      // Sent again later through a third process: all duplicates.
      const again = await worker(env, 'ingest');
      expect(again).toEqual({ stored: 0, duplicates: EVENTS });
    }, 120_000);

    it('honour a key and a meter created by the other process within seconds', async () => {
      const store = suite.store();
      const now = new Date().toISOString();
      await store.putMeter({
        id: 'meter-x',
        accountId: 'acc',
        slug: 'x',
        name: 'x',
        aggregation: 'COUNT',
        eventType: 'request',
        dimensions: [],
        createdAt: now,
        updatedAt: now,
      });
      await store.putKey({
        id: 'key-x',
        accountId: 'acc',
        kind: 'secret',
        hash: 'hash-x',
        prefix: 'tly_',
        createdAt: now,
      });
      const seen = await worker(
        { TOPOLOGY: topology, DATABASE: suite.database, HASH: 'hash-x' },
        'find',
      );
      expect(seen.keyId).toBe('key-x');
      expect(Number(seen.ms)).toBeLessThan(2000);
      expect(seen.meters).toEqual(['meter-x']);
    }, 60_000);
  },
);
