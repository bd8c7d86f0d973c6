import type { DamageReport, DamageState } from './ingest-log-events.js';
import type { LogRecord } from './ingest-log-record.js';
import type { Piece } from './ingest-log-scan.js';

export interface ScannedSegment {
  path: string;
  /** The sequence number in the file name: the first record the segment was started for. */
  firstSeq: number;
  pieces: Piece[];
}

export interface Recovery {
  /** Every intact record, by ascending sequence number, each once. */
  records: LogRecord[];
  damage: DamageReport[];
  tornTail?: {
    file: string;
    offset: number;
    bytes: number;
    seqBefore: number | null;
    /** The torn record's sequence number, when its header is complete. */
    seq: number | null;
  };
}

interface Located {
  file: string;
  offset: number;
  end: number;
  reason: string;
}

/**
 * Judges what damage cost. Sequence numbers are contiguous (a record gets the next one only once
 * the previous is durable), so the records lost to a damaged stretch are exactly the numbers
 * missing between the intact records around it, wherever the damage sits, and DuckDB's last folded
 * sequence number says whether those are already folded. `foldedSeq` also reveals records missing
 * before the first segment (a removed file).
 */
export function analyse(segments: ScannedSegment[], foldedSeq?: number): Recovery {
  const records: LogRecord[] = [];
  const damage: DamageReport[] = [];
  const folded = foldedSeq ?? 0;
  const first = segments[0];
  let prev = first ? first.firstSeq - 1 : 0;
  if (foldedSeq !== undefined) prev = Math.min(prev, foldedSeq);
  let seqBefore: number | null = null;
  let group: Located[] = [];

  const report = (
    missing: DamageReport['missing'],
    seqAfter: number | null,
    at: { file: string; offset: number },
  ) => {
    const start = group[0] ?? {
      ...at,
      end: at.offset,
      reason: 'records missing (no damaged bytes: a segment was removed or cut short)',
    };
    const last = group[group.length - 1] ?? start;
    const bytes = group.reduce((n, g) => n + (g.end - g.offset), 0);
    let foldedRecords = 0;
    let unfoldedRecords = 0;
    if (missing) {
      if (missing.last === null) unfoldedRecords = 1;
      else {
        foldedRecords = Math.max(0, Math.min(missing.last, folded) - missing.first + 1);
        unfoldedRecords = Math.max(0, missing.last - Math.max(missing.first, folded + 1) + 1);
      }
    }
    const state: DamageState =
      missing === null ? 'unacknowledged' : unfoldedRecords > 0 ? 'unfolded' : 'folded';
    damage.push({
      file: start.file,
      offset: start.offset,
      bytes,
      files: [...new Set(group.map((g) => g.file))],
      reason: group.length > 1 ? `${start.reason}; ... ${last.reason}` : start.reason,
      seqBefore,
      seqAfter,
      missing,
      state,
      foldedRecords,
      unfoldedRecords,
    });
  };

  for (const segment of segments) {
    for (const piece of segment.pieces) {
      if (piece.type === 'damage') {
        group.push({
          file: segment.path,
          offset: piece.offset,
          end: piece.end,
          reason: piece.reason,
        });
        continue;
      }
      const seq = piece.record.seq;
      if (seq <= prev) {
        // Intact bytes, but a number already read: never written so by this log; not folded twice.
        group.push({
          file: segment.path,
          offset: piece.offset,
          end: piece.end,
          reason: `record seq ${seq} repeats or goes back (after seq ${prev})`,
        });
        continue;
      }
      const missing = seq > prev + 1 ? { first: prev + 1, last: seq - 1 } : null;
      if (group.length > 0 || missing)
        report(missing, seq, { file: segment.path, offset: piece.offset });
      group = [];
      prev = seq;
      seqBefore = seq;
      records.push(piece.record);
    }
  }

  // An empty segment (started, nothing appended yet) holds nothing: the tail is before it.
  const lastSegment = segments.filter((s) => s.pieces.length > 0).pop();
  const tail = lastSegment?.pieces[lastSegment.pieces.length - 1];
  if (group.length === 0 || tail?.type !== 'damage') {
    if (group.length > 0) report({ first: prev + 1, last: null }, null, group[0] as Located);
    return { records, damage };
  }
  let tornTail: Recovery['tornTail'];
  if (tail.torn && group[group.length - 1]?.file === lastSegment?.path) {
    // An append that never completed: cut, not counted as damage. What precedes it is judged
    // by the torn record's own sequence number when its header is complete.
    const g = group.pop() as Located;
    tornTail = {
      file: g.file,
      offset: g.offset,
      bytes: g.end - g.offset,
      seqBefore,
      seq: tail.tornSeq ?? null,
    };
  }
  // Damage after the last intact record: what it held is known only from a trustworthy header.
  const lastSeq = tail.lastSeq;
  if (group.length > 0 || (lastSeq !== null && lastSeq > prev)) {
    const missing =
      lastSeq === null
        ? { first: prev + 1, last: null }
        : lastSeq > prev
          ? { first: prev + 1, last: lastSeq }
          : null;
    report(missing, tornTail?.seq ?? null, (group[0] ?? tornTail) as Located);
  }
  return tornTail ? { records, damage, tornTail } : { records, damage };
}
