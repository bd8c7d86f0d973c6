// The real server process on a data directory whose ingest log lost an acknowledged, unfolded
// record: it refuses to start with a message naming the file, the offset, the sequence number and
// the setting; with TALLY_INGEST_LOG_ON_DAMAGE=skip it starts, folds every intact record, reports
// the damage as a metric and keeps the damaged segment in quarantine.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crashedDataDir } from '../store/ingest-log-fixtures.js';
import { type ChildServer, spawnTally } from '../support/child-server.js';

let running: ChildServer | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await running?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('server start on a damaged ingest log', () => {
  it('refuses by default, naming file, offset, sequence and setting; starts with skip', async () => {
    const { dataDir, file, ranges } = await crashedDataDir(1, 4);
    dirs.push(dataDir);
    const [start, end] = ranges[2] as [number, number];
    const bytes = readFileSync(file);
    const at = Math.floor((start + end) / 2);
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(file, bytes);

    const refused = await spawnTally(dataDir).then(
      (child) => {
        running = child;
        return '';
      },
      (err: Error) => err.message,
    );
    expect(refused).toContain('exited with');
    expect(refused).toContain(file);
    expect(refused).toContain(`at byte ${start}`);
    expect(refused).toContain('records seq 3..3');
    expect(refused).toContain('TALLY_INGEST_LOG_ON_DAMAGE=skip');

    running = await spawnTally(dataDir, { TALLY_INGEST_LOG_ON_DAMAGE: 'skip' });
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('tally_ingest_log_damaged_records_total{state="unfolded"} 1');
    expect(metrics).toContain('tally_ingest_log_quarantined_segments_total 1');
    expect(existsSync(join(dataDir, 'ingest-log', 'quarantine', basename(file)))).toBe(true);
  });
});
