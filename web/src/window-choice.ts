// Which window the chart uses: the range's own (Auto) unless the user picked one, and never one
// that would draw more than MAX_POINTS_PER_SERIES points per series.
import {
  autoWindow,
  fittingWindow,
  MAX_POINTS_PER_SERIES,
  type ResolvedRange,
  WINDOW_LABELS,
  windowCount,
} from './time-range';
import type { WindowChoice, WindowSize } from './view-state';

export type WindowDecision =
  /** `replaced`: the user's choice was too fine for the range and `size` stands in for it. */
  | { ok: true; size: WindowSize; replaced: WindowSize | null; note: string }
  | { ok: false; note: string };

const count = new Intl.NumberFormat('en-US');

function label(size: WindowSize): string {
  return (WINDOW_LABELS[size] ?? size).toLowerCase();
}

export function decideWindow(choice: WindowChoice, range: ResolvedRange): WindowDecision {
  const wanted = choice === 'auto' ? autoWindow(range) : choice;
  const size = fittingWindow(range, wanted);
  if (!size) {
    return {
      ok: false,
      note: `This range is too long to chart: even month windows would draw ${count.format(windowCount(range, 'MONTH'))} points per series (at most ${count.format(MAX_POINTS_PER_SERIES)}). Pick a shorter range.`,
    };
  }
  if (size === wanted || choice === 'auto') return { ok: true, size, replaced: null, note: '' };
  return {
    ok: true,
    size,
    replaced: wanted,
    note: `${WINDOW_LABELS[wanted]} windows would draw ${count.format(windowCount(range, wanted))} points per series over this range (at most ${count.format(MAX_POINTS_PER_SERIES)}): showing ${label(size)} windows (${count.format(windowCount(range, size))}).`,
  };
}
