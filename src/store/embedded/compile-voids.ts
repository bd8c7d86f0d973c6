// Voided event versions (corrections): a void names one stored version of an event by its
// identity and ingest time, so that a replacement (same identity, later ingest time) counts while
// the version it replaced does not. The condition is correlated with the `events` row it filters.
import type { EventVoid } from '../ports.js';
import { lit, litList } from './sql-quote.js';

/**
 * True for an event version no void removed. With `asOf`, only voids made at or before it count:
 * the events as they stood at that instant.
 */
export function notVoided(asOf?: number): string {
  const then = asOf === undefined ? '' : ` AND v.voided_at <= ${lit(asOf)}`;
  return `NOT EXISTS (SELECT 1 FROM event_voids v WHERE v.account_id = events.account_id AND v.source = events.source AND v.id = events.id AND v.ingested_at = events.ingested_at${then})`;
}

/** Events that had been acknowledged by `asOf` (all of them without it). */
export function ingestedBy(asOf?: number): string[] {
  return asOf === undefined ? [] : [`events.ingested_at <= ${lit(asOf)}`];
}

export function compileInsertVoids(accountId: string, voids: readonly EventVoid[]): string {
  const rows = voids.map(
    (v) => `(${litList([accountId, v.source, v.id, v.ingestedAt, v.voidedAt, v.correctionId])})`,
  );
  return `INSERT INTO event_voids VALUES ${rows.join(', ')}`;
}
