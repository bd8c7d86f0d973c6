// Peak storage as engine metrics. A storage sample carries the total stored at its time, so the
// stored level is a step function: its peak over [from, to) is the larger of the level stored at
// `from` (the last sample at or before it, however old) and the largest sample in the range.

import { MIN_INSTANT } from '../../../lib/time/instant.js';
import { constant, type MetricSet, max, meter } from '../../../query/metric-expr.js';
import { STORAGE_LEVEL_METER, STORAGE_METER } from './entities.js';

/**
 * The range whose LATEST total is the level at `from`: every instant up to and including it (event
 * times are whole milliseconds; a sample at `from` replaces older levels), from the earliest
 * instant the engine queries (year 0000). A bounded look-back would miss a level set long before
 * the range; an unwindowed, ungrouped total has no range cap and no cell cost to exceed.
 */
export function levelAtStartRange(from: number): { from: number; to: number } {
  return { from: MIN_INSTANT, to: from + 1 };
}

export const LEVEL_AT_START: MetricSet = { bytes: meter(STORAGE_LEVEL_METER) };

/** Over the range: its largest sample, or the level at its start when that is larger. */
export const peakMetrics = (levelAtStart: number): MetricSet => ({
  bytes: max(meter(STORAGE_METER), constant(levelAtStart)),
});
