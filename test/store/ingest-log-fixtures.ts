// Shared by the ingest log tests: events, a data directory whose DuckDB has folded some
// records, and a log written record by record with each record's byte range measured on disk.

import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { IngestLog, type LogRecord } from '../../src/store/embedded/ingest-log.js';

export const METER = 'm_tokens';

export function item(id: string, tokens: number): IngestItem {
  const time = Date.UTC(2026, 0, 15, 12);
  return {
    event: {
      accountId: 'acc_1',
      id,
      source: 'test',
      type: 'tokens',
      subject: 'customer-1',
      time,
      ingestedAt: time,
      data: JSON.stringify({ tokens }),
    },
    rows: [{ meterId: METER, value: tokens, valueText: null, dims: [] }],
  };
}

export async function storedSum(store: DuckDbStore): Promise<{ ids: string[]; sum: number }> {
  const events = await store.listEvents({ accountId: 'acc_1', limit: 1000 });
  const [row] = await store.aggregateNumeric({
    accountId: 'acc_1',
    meterId: METER,
    from: 0,
    to: Date.UTC(2027, 0, 1),
    bucket: { kind: 'all' },
    groupBy: [],
  });
  return { ids: events.map((e) => e.id).sort(), sum: row?.sum ?? 0 };
}

/** Record `seq` holds one event `e<seq>` worth `seq` tokens. */
export function numbered(seq: number): LogRecord {
  return { seq, items: [item(`e${seq}`, seq)] };
}

/**
 * A data directory whose DuckDB folded records 1..folded (then shut down cleanly), and whose log
 * holds records 1..total as a crash would leave them. Returns the segment file and where each
 * record starts and ends in it (measured with stat after each append).
 */
export async function crashedDataDir(
  folded: number,
  total: number,
): Promise<{ dataDir: string; logDir: string; file: string; ranges: [number, number][] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-damage-'));
  const store = await DuckDbStore.open({ dataDir });
  for (let seq = 1; seq <= folded; seq++) await store.append(numbered(seq).items);
  await store.close();
  const logDir = join(dataDir, 'ingest-log');
  const { log } = IngestLog.open(logDir, { foldedSeq: folded });
  const ranges: [number, number][] = [];
  let file = '';
  for (let seq = 1; seq <= total; seq++) {
    const before = file ? statSync(file).size : 0;
    await log.append(numbered(seq));
    file ||= join(logDir, readdirSync(logDir).sort()[0] as string);
    ranges.push([before, statSync(file).size]);
  }
  log.close();
  return { dataDir, logDir, file, ranges };
}

export function sumOf(seqs: number[]): { ids: string[]; sum: number } {
  return { ids: seqs.map((s) => `e${s}`).sort(), sum: seqs.reduce((a, b) => a + b, 0) };
}
