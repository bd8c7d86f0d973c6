// Random damage to a real ingest log (byte flips, truncations, inserted garbage, in any segment):
// every record whose bytes survived is recovered, and every record that is not is named by a
// report, or the start is refused. A model of the files tags every byte with the record it
// belongs to, so "intact" is decided without the log's own decoder.

import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestLog, type LogRecord } from '../../src/store/embedded/ingest-log.js';
import {
  IngestLogDamagedError,
  type IngestLogEvent,
} from '../../src/store/embedded/ingest-log-events.js';
import { item } from './ingest-log-fixtures.js';

type Tag = { seq: number; index: number; flipped: boolean } | null;
type Op =
  | { kind: 'flip'; file: number; at: number; xor: number }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'insert'; file: number; at: number; bytes: Uint8Array };

// fsync on tmpfs is cheap; the property writes hundreds of small logs.
const BASE = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

function recordOf(seq: number): LogRecord {
  return {
    seq,
    items: Array.from({ length: (seq % 3) + 1 }, (_, i) => item(`r${seq}-${i}`, seq * 10 + i)),
  };
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    file: fc.nat(),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    file: fc.nat(),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
);

async function writeLog(dir: string, n: number, segmentBytes: number) {
  const { log } = IngestLog.open(dir, { segmentBytes });
  const model = new Map<string, { bytes: number[]; tags: Tag[] }>();
  for (let seq = 1; seq <= n; seq++) {
    await log.append(recordOf(seq));
    const current = join(dir, readdirSync(dir).sort().pop() as string);
    const bytes = [...readFileSync(current)];
    const m = model.get(current) ?? { bytes: [], tags: [] };
    const added = bytes.length - m.bytes.length;
    for (let i = 0; i < added; i++) m.tags.push({ seq, index: i, flipped: false });
    m.bytes = bytes;
    model.set(current, m);
  }
  log.close();
  return model;
}

function damage(model: Map<string, { bytes: number[]; tags: Tag[] }>, ops: Op[]): void {
  const files = [...model.keys()].sort();
  for (const op of ops) {
    const m = model.get(files[op.file % files.length] as string) as {
      bytes: number[];
      tags: Tag[];
    };
    const len = m.bytes.length;
    if (op.kind === 'flip') {
      if (len === 0) continue;
      const p = op.at % len;
      m.bytes[p] = (m.bytes[p] as number) ^ op.xor;
      const t = m.tags[p];
      m.tags[p] = t ? { ...t, flipped: true } : null;
    } else if (op.kind === 'truncate') {
      const p = op.at % (len + 1);
      m.bytes.length = p;
      m.tags.length = p;
    } else {
      const p = op.at % (len + 1);
      m.bytes.splice(p, 0, ...op.bytes);
      m.tags.splice(p, 0, ...Array.from(op.bytes, () => null));
    }
  }
  for (const [file, m] of model) writeFileSync(file, Buffer.from(m.bytes));
}

/** Sequence numbers whose bytes are all present, unchanged and contiguous in one file. */
function intactSeqs(
  model: Map<string, { bytes: number[]; tags: Tag[] }>,
  lengths: Map<number, number>,
) {
  const intact = new Set<number>();
  const present = new Set<number>();
  for (const { tags } of model.values()) {
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i];
      if (t) present.add(t.seq);
      if (t?.index !== 0) continue;
      const len = lengths.get(t.seq) as number;
      let ok = true;
      for (let j = 0; j < len && ok; j++) {
        const u = tags[i + j];
        ok = !!u && u.seq === t.seq && u.index === j && !u.flipped;
      }
      if (ok) intact.add(t.seq);
    }
  }
  return { intact, present };
}

describe('ingest log under random damage (property)', () => {
  it('recovers every intact record, and reports or refuses every loss', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(400, 1200, 1 << 20),
        fc.nat(),
        fc.array(opArb, { maxLength: 4 }),
        async (n, segmentBytes, foldedPick, ops) => {
          const folded = foldedPick % (n + 1);
          const dir = mkdtempSync(join(BASE, 'tally-prop-'));
          try {
            const model = await writeLog(dir, n, segmentBytes);
            const lengths = new Map<number, number>();
            for (const { tags } of model.values()) {
              for (const t of tags)
                if (t) lengths.set(t.seq, Math.max(lengths.get(t.seq) ?? 0, t.index + 1));
            }
            const before = new Map([...model].map(([f, m]) => [f, Buffer.from(m.bytes)]));
            damage(model, ops);
            const changed = [...model].some(
              ([f, m]) => !Buffer.from(m.bytes).equals(before.get(f) as Buffer),
            );
            const { intact, present } = intactSeqs(model, lengths);

            // The default policy first, on a copy (when it does not refuse, it cuts a torn tail).
            const copy = `${dir}-refuse`;
            cpSync(dir, copy, { recursive: true });
            let refused = false;
            try {
              IngestLog.open(copy, { foldedSeq: folded }).log.close();
            } catch (err) {
              if (!(err instanceof IngestLogDamagedError)) throw err;
              refused = true;
            }
            const events: IngestLogEvent[] = [];
            const { log, records } = IngestLog.open(dir, {
              foldedSeq: folded,
              onDamage: 'skip',
              observer: (e) => events.push(e),
            });
            const reports = events.flatMap((e) => (e.kind === 'damage' ? [e.report] : []));
            const torn = events.find((e) => e.kind === 'torn_tail_cut');

            // Recovered: genuine records, ascending, each once.
            const seqs = records.map((r) => r.seq);
            expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
            for (const r of records) expect(r).toEqual(recordOf(r.seq));
            // Every intact record is recovered.
            for (const s of intact) expect(seqs).toContain(s);
            // Every lost record is named by a report, cut as a torn tail, or left no byte at all
            // at the end of the log (indistinguishable from never written).
            const recovered = new Set(seqs);
            const lastRecovered = Math.max(0, ...seqs);
            for (let s = 1; s <= n; s++) {
              if (recovered.has(s)) continue;
              const named = reports.some(
                (r) =>
                  r.missing &&
                  r.missing.first <= s &&
                  (r.missing.last === null || s <= r.missing.last),
              );
              const cut =
                torn?.kind === 'torn_tail_cut' && s >= (torn.seq ?? (torn.seqBefore ?? 0) + 1);
              let vanished = s > lastRecovered;
              for (let t = s; t <= n && vanished; t++) vanished = !present.has(t);
              expect(named || cut || vanished, `record ${s} lost silently`).toBe(true);
              // A loss of an unfolded record that does not look like an unfinished append refuses.
              if (s > folded && named && !cut) expect(refused).toBe(true);
            }
            expect(refused).toBe(reports.some((r) => r.state === 'unfolded'));
            if (!changed) expect(events).toEqual([]);

            // Segments that held damage are moved to quarantine, never deleted.
            log.restart(lastRecovered + 1);
            log.close();
            for (const f of new Set(reports.flatMap((r) => r.files))) {
              expect(existsSync(join(dir, 'quarantine', basename(f)))).toBe(true);
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
            rmSync(`${dir}-refuse`, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
