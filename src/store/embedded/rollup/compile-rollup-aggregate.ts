// The one SQL statement of the rollup's aggregate: meter rows into 15-minute partial rows, per
// slot, over all subjects (rollup_15m) or per subject (subject_rollup_15m). Folds compute the same
// in JS (rollup-fold.ts), against this as their reference; rebuilds run it over meter_rows.
// Identifiers come from closed sets; values go through `lit`.
import { MAX_DIMENSIONS } from '../../../meter/meter-definition.js';
import { lit, litList } from '../sql-quote.js';
import { NO_SLOT, ROLLUP_BUCKET_MS } from './schema.js';

/** Tables rollup rows are aggregated from: a fold's staged rows, or all stored rows. */
export type RollupSource = 'fold_rows' | 'meter_rows';

/** Floor, not `//`: DuckDB's integer division truncates toward zero for times before 1970. */
export function bucketExpr(time: string): string {
  const width = lit(ROLLUP_BUCKET_MS);
  return `${time} - (((${time} % ${width}) + ${width}) % ${width})`;
}

/** Slots left out of meters' rollups (rollup-meters.ts), by meter id. */
export type DroppedSlots = (meterId: string) => ReadonlySet<number>;

const NONE_DROPPED: DroppedSlots = () => new Set();

function slotPairs(
  dimensionsByMeter: ReadonlyMap<string, number>,
  dropped: DroppedSlots = NONE_DROPPED,
): string[] {
  const pairs: string[] = [];
  for (const [meterId, dimensions] of dimensionsByMeter) {
    if (!Number.isInteger(dimensions) || dimensions < 0 || dimensions > MAX_DIMENSIONS) {
      throw new Error(`dimension count out of range for meter ${meterId}: ${dimensions}`);
    }
    const left = dropped(meterId);
    for (let slot = NO_SLOT; slot < dimensions; slot++) {
      if (!left.has(slot)) pairs.push(`(${litList([meterId, slot])})`);
    }
  }
  return pairs;
}

/**
 * Rollup rows aggregated from `source` rows passing `where`: each row counted once under slot -1
 * and once under each slot below its meter's dimension count, over all subjects or, `bySubject`,
 * per subject (with its bucket sb). `latest` is the same max(struct(time, value)) over non-null
 * values as compileNumeric's, so ties go the same way.
 */
export function aggregateFrom(
  source: RollupSource,
  dimensionsByMeter: ReadonlyMap<string, number>,
  where?: string,
  dropped?: DroppedSlots,
  bySubject = false,
): string | undefined {
  const pairs = slotPairs(dimensionsByMeter, dropped);
  if (pairs.length === 0) return undefined;
  const most = Math.max(...dimensionsByMeter.values());
  const dim =
    most === 0
      ? 'NULL'
      : `CASE s.slot ${Array.from({ length: most }, (_, i) => `WHEN ${lit(i)} THEN r.g${i}`).join(' ')} ELSE NULL END`;
  const subject = bySubject ? 'r.subject, r.sb, ' : '';
  const inner = `SELECT r.account_id, r.meter_id, ${subject}${bucketExpr('r.time')} AS bucket, s.slot, ${dim} AS dim, count(r.value) AS value_count, sum(r.value) AS value_sum, min(r.value) AS value_min, max(r.value) AS value_max, max(struct_pack(t := r.time, v := r.value)) FILTER (WHERE r.value IS NOT NULL) AS lt FROM ${source} AS r JOIN (VALUES ${pairs.join(', ')}) AS s(meter_id, slot) ON r.meter_id = s.meter_id${where ? ` WHERE ${where}` : ''} GROUP BY ALL`;
  return `SELECT account_id, meter_id, ${bySubject ? 'subject, sb, ' : ''}bucket, slot, dim, value_count, value_sum, value_min, value_max, lt.t AS latest_time, lt.v AS latest_value FROM (${inner})`;
}
