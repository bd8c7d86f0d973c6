// Voided event versions (corrections): a void names one stored version of an event by its
// identity and ingest time, so that a replacement (same identity, later ingest time) counts while
// the version it replaced does not. GLOBAL: on a cluster the voids are read once by the node that
// answers and sent to the shards (a plain IN over a Distributed table inside a distributed query is
// refused); on a single server it is a plain IN.
import { lit } from '../quote.js';

/**
 * True for an event version of the account no void removed. With `asOf`, only voids made at or
 * before it count: the events as they stood at that instant.
 */
export function notVoided(accountId: string, asOf?: number): string {
  const then = asOf === undefined ? '' : ` AND voided_at <= ${lit(asOf)}`;
  return `(source, id, ingested_at) GLOBAL NOT IN (SELECT source, id, ingested_at FROM event_voids WHERE account_id = ${lit(accountId)}${then})`;
}

/** Events that had been acknowledged by `asOf` (all of them without it). */
export function ingestedBy(asOf?: number): string[] {
  return asOf === undefined ? [] : [`ingested_at <= ${lit(asOf)}`];
}
