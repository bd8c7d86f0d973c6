// Deterministic randomness for the demo data sets, so that a given seed always produces the same
// events (and therefore the same demo numbers and the same event ids, which makes re-seeding
// idempotent through ingest dedupe).

export interface DemoRandom {
  /** Uniform in [0, 1). */
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks with the given relative weights. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  chance(p: number): boolean;
}

export function demoRandom(seed: number): DemoRandom {
  // mulberry32: tiny, fast and good enough for synthetic traffic.
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      return pick(items)[0];
    },
    chance: (p) => next() < p,
  };
}

/** Diurnal traffic shape: relative activity for an hour of the day (UTC), peaking in the evening. */
export function diurnal(hourOfDay: number): number {
  return 0.35 + 0.65 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI));
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
