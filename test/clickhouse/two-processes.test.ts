// Two Tally processes on one ClickHouse: a key and a meter created by one process are honoured by
// the other (metadata lives in ClickHouse, not in a process). Writing from several processes is
// coordinated.test.ts and faults-multi.test.ts.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipClickHouse } from './servers.js';
import type { Topology } from './stores.js';
import { suiteStore } from './suite-store.js';

const skip = skipClickHouse();
const run = promisify(execFile);
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.ts');

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
    const suite = suiteStore(topology, 'tally_2p');

    it('honour a key and a meter created by the other process', async () => {
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
      expect(seen.meters).toEqual(['meter-x']);
    }, 60_000);
  },
);
