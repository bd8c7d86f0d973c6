// Resolves `windowSize: 'AUTO'` to a concrete window size. Pure, so the planner can call it and
// tests can pin every threshold; the policies themselves are data owned by whoever asks.
import type { WindowSize } from '../contract/vocabulary.js';
import type { AutoWindowPolicy, UsageQuery } from './usage-query.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * What a policy's `upToMs` thresholds measure. `span`: the length of [from, to). `age`: how far
 * back from `now` the range starts ("minutely if the range lies within the past two hours"), so
 * a short range a week old gets coarse windows and a long range ending now gets fine ones. A range
 * that reaches past `now` measures up to its end instead, so future time is never cut finer than
 * its length asks for.
 */
export type AutoWindowBasis = 'span' | 'age';

/** A policy that says what its thresholds measure; without `basis` they measure the span. */
export type MeasuredAutoWindowPolicy = AutoWindowPolicy & { readonly basis?: AutoWindowBasis };

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

/** The size an AUTO policy picks for a measure of `ms` (steps need not be sorted; inclusive). */
export function autoWindowSize(policy: AutoWindowPolicy, ms: number): WindowSize {
  const steps = [...policy.steps].sort((a, b) => a.upToMs - b.upToMs);
  return steps.find((s) => ms <= s.upToMs)?.windowSize ?? policy.otherwise;
}

/** The quantity a policy's thresholds are compared with, for the range [from, to) at `now`. */
export function autoWindowMeasure(
  basis: AutoWindowBasis,
  range: { from: number; to: number },
  now?: number,
): number {
  if (basis === 'span') return range.to - range.from;
  // An age depends on the clock; the caller owns it, so that resolution stays pure.
  if (now === undefined) throw new Error('an age-based AUTO window policy needs `now`');
  return Math.max(now, range.to) - range.from;
}

/** The size a policy picks for [from, to) at `now` (`now` is needed by age-based policies only). */
export function resolveAutoWindow(
  policy: MeasuredAutoWindowPolicy,
  range: { from: number; to: number },
  now?: number,
): WindowSize {
  return autoWindowSize(policy, autoWindowMeasure(policy.basis ?? 'span', range, now));
}

/** The concrete window size of a query: undefined (one total), its own size, or AUTO resolved. */
export function resolveWindowSize(
  q: Pick<UsageQuery, 'windowSize' | 'autoWindow' | 'from' | 'to'>,
  now?: number,
): WindowSize | undefined {
  if (q.windowSize !== 'AUTO') return q.windowSize;
  return resolveAutoWindow(q.autoWindow ?? DEFAULT_AUTO_WINDOW, q, now);
}
