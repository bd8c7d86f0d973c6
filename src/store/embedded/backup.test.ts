// The backup's read of the live ingest log: the records after a floor, exactly as the log holds
// them, across sealed segments, past a torn last record, and never across a gap.
import { appendFileSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../ingest/stored-event.js';
import { readLogTail, type TailRecord, tailAfter } from './backup.js';
import { IngestLog, type LogRecord } from './ingest-log.js';
import { encodeRecord } from './ingest-log-record.js';
import { scanFramed } from './ingest-log-scan.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function record(seq: number, events = 2): LogRecord {
  const items: IngestItem[] = Array.from({ length: events }, (_, i) => ({
    event: {
      accountId: 'a',
      id: `e${seq}-${i}`,
      source: 's',
      type: 't',
      subject: 'x',
      time: 1_700_000_000_000 + seq,
      ingestedAt: 1_700_000_000_000,
      data: JSON.stringify({ seq, i }),
    },
    rows: [],
  }));
  return { seq, items };
}

/** A live log with records 1..n, in segments of about `segmentBytes`. */
async function liveLog(
  n: number,
  segmentBytes = 1 << 20,
): Promise<{ dir: string; log: IngestLog }> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-backup-log-'));
  dirs.push(dir);
  const { log } = IngestLog.open(dir, { segmentBytes });
  log.restart(1);
  for (let seq = 1; seq <= n; seq++) await log.append(record(seq));
  return { dir, log };
}

const seqs = (tail: TailRecord[]) => tail.map((r) => r.seq);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('readLogTail', () => {
  it('returns the records after the floor, byte for byte as logged', async () => {
    const { dir, log } = await liveLog(30);
    const tail = await readLogTail(dir, 12);
    log.close();
    expect(seqs(tail)).toEqual(range(13, 30));
    for (const r of tail) {
      expect(r.bytes.equals(encodeRecord(record(r.seq)))).toBe(true);
      expect(r.events).toBe(2);
      const [piece] = scanFramed(r.bytes);
      expect(piece?.type).toBe('record');
    }
    expect(seqs(await readLogTail(dir, 30))).toEqual([]);
    expect(seqs(await readLogTail(dir, 0))).toEqual(range(1, 30));
  });

  it('reads across segments, and a segment deleted before the read held only older records', async () => {
    const { dir, log } = await liveLog(40, 600);
    log.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(3);
    unlinkSync(join(dir, files[0] as string));
    const tail = await readLogTail(dir, 20);
    expect(seqs(tail)).toEqual(range(21, 40));
  });

  it('leaves out a torn last record (an append under way when the segment was read)', async () => {
    const { dir, log } = await liveLog(8);
    log.close();
    const [file] = readdirSync(dir);
    const next = encodeRecord(record(9));
    appendFileSync(join(dir, file as string), next.subarray(0, next.length - 5));
    expect(seqs(await readLogTail(dir, 3))).toEqual(range(4, 8));
  });
});

describe('tailAfter', () => {
  const tail = (s: number[]) => s.map((seq) => ({ seq, events: 1, bytes: Buffer.alloc(0) }));

  it('keeps the run that starts right after the snapshot', () => {
    expect(seqs(tailAfter(tail([3, 4, 5, 6]), 4))).toEqual([5, 6]);
    expect(seqs(tailAfter(tail([3, 4]), 4))).toEqual([]);
    expect(seqs(tailAfter(tail([5, 6, 8, 9]), 4))).toEqual([5, 6]);
  });

  it('refuses a log that lacks the record after the snapshot', () => {
    expect(() => tailAfter(tail([6, 7]), 4)).toThrow(/lacks record 5/);
  });
});
