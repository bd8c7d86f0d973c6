/**
 * What a damaged stretch of the ingest log may have cost:
 * - folded: only records DuckDB already holds (nothing lost);
 * - unfolded: acknowledged records DuckDB does not hold (lost unless the operator recovers them);
 * - unacknowledged: bytes of no acknowledged record (e.g. an append that failed), nothing lost.
 */
export type DamageState = 'folded' | 'unfolded' | 'unacknowledged';

export interface DamageReport {
  /** Segment file and byte offset of the first damaged byte. */
  file: string;
  offset: number;
  bytes: number;
  /** Every segment file the damage touches (each is quarantined, never deleted). */
  files: string[];
  reason: string;
  /** Sequence numbers of the intact records around the damage (null: none on that side). */
  seqBefore: number | null;
  seqAfter: number | null;
  /** Sequence numbers that could not be read; `last` null when unknown (damage at the end). */
  missing: { first: number; last: number | null } | null;
  state: DamageState;
  /** Missing records DuckDB already holds, and those it does not (1 when unknown). */
  foldedRecords: number;
  unfoldedRecords: number;
}

export type IngestLogEvent =
  | { kind: 'damage'; report: DamageReport }
  | {
      kind: 'torn_tail_cut';
      file: string;
      offset: number;
      bytes: number;
      seqBefore: number | null;
      /** The torn record's sequence number, when its header is complete. */
      seq: number | null;
    }
  | { kind: 'quarantined'; file: string; to: string }
  | { kind: 'legacy_segment'; file: string; records: number }
  | {
      kind: 'append_failed';
      file: string;
      offset: number;
      seq: number;
      bytes: number;
      code: string;
      error: string;
      /** False when even the partial bytes could not be removed: no append runs until they are. */
      rolledBack: boolean;
    }
  | { kind: 'append_recovered'; file: string; by: 'append' | 'probe' };

export type IngestLogObserver = (event: IngestLogEvent) => void;

/** What to do at start when damage may have cost acknowledged records DuckDB does not hold. */
export type OnDamage = 'refuse' | 'skip';

export const ON_DAMAGE_SETTING = 'TALLY_INGEST_LOG_ON_DAMAGE';

/** The start was refused: acknowledged records may be lost, and the operator must decide. */
export class IngestLogDamagedError extends Error {
  constructor(
    readonly reports: DamageReport[],
    quarantineDir: string,
  ) {
    const r = reports[0] as DamageReport;
    const missing = r.missing
      ? `records seq ${r.missing.first}..${r.missing.last ?? '?'}`
      : 'records';
    super(
      `ingest log damaged: ${r.file} at byte ${r.offset} (${r.bytes} bytes, ${r.reason}); ${missing} ` +
        `between seq ${r.seqBefore ?? 'none'} and seq ${r.seqAfter ?? 'none'} were acknowledged but are not in DuckDB` +
        (reports.length > 1 ? ` (and ${reports.length - 1} more damaged places)` : '') +
        `. The server refuses to start so that nothing is dropped silently. Keep a copy of the ingest-log folder; ` +
        `then start once with ${ON_DAMAGE_SETTING}=skip to fold every intact record and move the damaged segment ` +
        `files to ${quarantineDir} (see docs/operations.md).`,
    );
    this.name = 'IngestLogDamagedError';
  }
}
