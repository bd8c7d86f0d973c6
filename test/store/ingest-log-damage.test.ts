import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import type { IngestLogEvent } from '../../src/store/embedded/ingest-log-events.js';
import { encodeRecord } from '../../src/store/embedded/ingest-log-record.js';
import { crashedDataDir, numbered, storedSum, sumOf } from './ingest-log-fixtures.js';

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ 0x20;
  writeFileSync(file, bytes);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Starts the store on `dataDir` once, with the log's events observed: what it holds, and what it said. */
async function startOnce(
  dataDir: string,
  onDamage?: 'skip',
): Promise<{ stored: Awaited<ReturnType<typeof storedSum>>; events: IngestLogEvent[] }> {
  const events: IngestLogEvent[] = [];
  const store = await DuckDbStore.open({
    dataDir,
    ingestLog: { onDamage, observer: (e) => events.push(e) },
  });
  const stored = await storedSum(store);
  await store.close();
  return { stored, events };
}

describe('ingest log damage at start', () => {
  it('one corrupted byte in an old, already folded record: warns, keeps every record after it', async () => {
    const { dataDir, file, ranges } = await crashedDataDir(3, 6);
    const [start, end] = ranges[1] as [number, number];
    flipByte(file, Math.floor((start + end) / 2));
    const damaged = readFileSync(file);
    const { stored, events } = await startOnce(dataDir);
    expect(stored).toEqual(sumOf(range(1, 6)));

    const damage = events.filter((e) => e.kind === 'damage').map((e) => e.report);
    expect(damage).toEqual([
      expect.objectContaining({
        file,
        offset: start,
        seqBefore: 1,
        seqAfter: 3,
        missing: { first: 2, last: 2 },
        state: 'folded',
        foldedRecords: 1,
        unfoldedRecords: 0,
      }),
    ]);
    // The segment is kept as it was, in quarantine.
    const quarantined = join(dataDir, 'ingest-log', 'quarantine', basename(file));
    expect(readFileSync(quarantined).equals(damaged)).toBe(true);
    expect(events).toContainEqual({ kind: 'quarantined', file, to: quarantined });
  });

  it('a corrupted unfolded record refuses the start, names file, offset, seq and the setting, and changes nothing', async () => {
    const { dataDir, file, ranges } = await crashedDataDir(3, 7);
    const [start, end] = ranges[3] as [number, number];
    flipByte(file, Math.floor((start + end) / 2));
    const damaged = readFileSync(file);
    const logFiles = readdirSync(join(dataDir, 'ingest-log')).sort();

    const refused = DuckDbStore.open({ dataDir });
    await expect(refused).rejects.toThrow(file);
    await expect(refused).rejects.toThrow(`at byte ${start}`);
    await expect(refused).rejects.toThrow('records seq 4..4 between seq 3 and seq 5');
    await expect(refused).rejects.toThrow('TALLY_INGEST_LOG_ON_DAMAGE=skip');
    expect(readdirSync(join(dataDir, 'ingest-log')).sort()).toEqual(logFiles);
    expect(readFileSync(file).equals(damaged)).toBe(true);

    // The operator's way out: fold every intact record, keep the damaged segment in quarantine.
    const { stored, events } = await startOnce(dataDir, 'skip');
    const kept = [1, 2, 3, 5, 6, 7];
    expect(stored).toEqual(sumOf(kept));
    expect(events.find((e) => e.kind === 'damage')).toMatchObject({
      report: { state: 'unfolded', missing: { first: 4, last: 4 }, unfoldedRecords: 1 },
    });
    const quarantined = join(dataDir, 'ingest-log', 'quarantine', basename(file));
    expect(readFileSync(quarantined).equals(damaged)).toBe(true);

    // Counted exactly once: the next start (default policy) finds a clean log and the same totals.
    const again = await DuckDbStore.open({ dataDir });
    expect(await storedSum(again)).toEqual(sumOf(kept));
    await again.close();
  });

  it('valid JSON of the wrong shape is a damaged record reported with its file and sequence number', async () => {
    const { dataDir, logDir } = await crashedDataDir(0, 0);
    // The old format (one JSON line per record), as the previous version wrote it.
    const file = join(logDir, 'ingest-000000000001.log');
    writeFileSync(
      file,
      `${JSON.stringify(numbered(1))}\n{"seq":2,"items":null}\n${JSON.stringify(numbered(3))}\n`,
    );
    const refused = DuckDbStore.open({ dataDir });
    await expect(refused).rejects.toThrow(file);
    await expect(refused).rejects.toThrow('record seq 2: wrong shape (items:');

    // The same in the framed format: intact checksums around a payload of the wrong shape.
    writeFileSync(
      file,
      Buffer.concat([
        encodeRecord(numbered(1)),
        encodeRecord({ seq: 2, items: [{ event: { id: 5 } }] } as never),
        encodeRecord(numbered(3)),
      ]),
    );
    const framed = DuckDbStore.open({ dataDir });
    await expect(framed).rejects.toThrow(file);
    await expect(framed).rejects.toThrow('record seq 2: wrong shape (items.0.event.accountId:');
  });

  it('a record torn by a failed append, followed by 21 acknowledged records: all kept', async () => {
    const { dataDir, logDir } = await crashedDataDir(0, 0);
    const file = join(logDir, 'ingest-000000000001.log');
    const torn = encodeRecord(numbered(2));
    writeFileSync(
      file,
      Buffer.concat([
        encodeRecord(numbered(1)),
        torn.subarray(0, Math.floor(torn.length / 2)),
        // The failed append of seq 2 was answered 503; its retry, and later batches, succeeded.
        ...range(2, 22).map((seq) => encodeRecord(numbered(seq))),
      ]),
    );
    const { stored, events } = await startOnce(dataDir);
    expect(stored).toEqual(sumOf(range(1, 22)));
    expect(events.find((e) => e.kind === 'damage')).toMatchObject({
      report: { state: 'unacknowledged', missing: null, seqBefore: 1, seqAfter: 2 },
    });
  });

  it('a truncated last record is cut and reported; everything before it is folded', async () => {
    const { dataDir, file, ranges } = await crashedDataDir(2, 5);
    const [start, end] = ranges[4] as [number, number];
    writeFileSync(file, readFileSync(file).subarray(0, end - 7));
    const { stored, events } = await startOnce(dataDir);
    expect(stored).toEqual(sumOf(range(1, 4)));
    expect(events).toEqual([
      { kind: 'torn_tail_cut', file, offset: start, bytes: end - 7 - start, seqBefore: 4, seq: 5 },
    ]);
  });
});

describe('ingest log written by the previous version (one JSON line per record)', () => {
  it('is replayed at upgrade, then continued in the framed format', async () => {
    const { dataDir, logDir } = await crashedDataDir(0, 0);
    const file = join(logDir, 'ingest-000000000001.log');
    writeFileSync(
      file,
      range(1, 3)
        .map((s) => `${JSON.stringify(numbered(s))}\n`)
        .join(''),
    );
    const events: IngestLogEvent[] = [];
    const store = await DuckDbStore.open({
      dataDir,
      ingestLog: { observer: (e) => events.push(e) },
    });
    expect(await storedSum(store)).toEqual(sumOf([1, 2, 3]));
    expect(events).toEqual([{ kind: 'legacy_segment', file, records: 3 }]);
    await store.append(numbered(4).items);
    await store.close();
    const reopened = await DuckDbStore.open({ dataDir });
    expect(await storedSum(reopened)).toEqual(sumOf([1, 2, 3, 4]));
    await reopened.close();
  });

  it('keeps the 21 acknowledged records written after a line torn by a full disk', async () => {
    const { dataDir, logDir } = await crashedDataDir(0, 0);
    const file = join(logDir, 'ingest-000000000001.log');
    const line = (seq: number) => `${JSON.stringify(numbered(seq))}\n`;
    // The old writer left the failed append's partial line, and the retry continued it.
    writeFileSync(file, line(1) + line(2).slice(0, 40));
    appendFileSync(file, range(2, 22).map(line).join(''));
    const { stored, events } = await startOnce(dataDir);
    expect(stored).toEqual(sumOf(range(1, 22)));
    expect(events.find((e) => e.kind === 'damage')).toMatchObject({
      report: { state: 'unacknowledged', file, offset: line(1).length, bytes: 40 },
    });
    expect(existsSync(join(logDir, 'quarantine', basename(file)))).toBe(true);
  });
});
