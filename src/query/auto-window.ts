// Resolves `windowSize: 'AUTO'` to a concrete window size. Pure, so the planner can call it and
// tests can pin every threshold; the policies themselves are data owned by whoever asks.
import type { AutoWindowPolicy, UsageQuery, WindowSize } from './usage-query.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The engine's default for 'AUTO': fine windows for short ranges, coarser as the range grows,
 * so that a chart gets between a few dozen and a few hundred points.
 */
export const DEFAULT_AUTO_WINDOW: AutoWindowPolicy = {
  steps: [
    { upToMs: 2 * HOUR_MS, windowSize: 'MINUTE' },
    { upToMs: 2 * DAY_MS, windowSize: 'HOUR' },
    { upToMs: 366 * DAY_MS, windowSize: 'DAY' },
  ],
  otherwise: 'MONTH',
};

/** The size an AUTO policy picks for a range of `spanMs` (steps need not be sorted). */
export function autoWindowSize(policy: AutoWindowPolicy, spanMs: number): WindowSize {
  const steps = [...policy.steps].sort((a, b) => a.upToMs - b.upToMs);
  return steps.find((s) => spanMs <= s.upToMs)?.windowSize ?? policy.otherwise;
}

/** The concrete window size of a query: undefined (one total), its own size, or AUTO resolved. */
export function resolveWindowSize(
  q: Pick<UsageQuery, 'windowSize' | 'autoWindow' | 'from' | 'to'>,
): WindowSize | undefined {
  if (q.windowSize !== 'AUTO') return q.windowSize;
  return autoWindowSize(q.autoWindow ?? DEFAULT_AUTO_WINDOW, q.to - q.from);
}
