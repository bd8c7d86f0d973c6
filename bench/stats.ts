// Small timing and percentile helpers.

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? Number.NaN;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

export function nowMs(): number {
  return performance.now();
}

/** Runs `fn` once to warm caches, then `runs` times; returns the timings in ms. */
export async function timeRuns<T>(
  runs: number,
  fn: (i: number) => T | Promise<T>,
): Promise<number[]> {
  await fn(0);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = nowMs();
    await fn(i);
    out.push(nowMs() - t);
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
