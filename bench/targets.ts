// The targets every run is judged against (described in docs/benchmarks.md), and how far a
// measured value misses one, so a FAIL always says by how much.

export const TARGET = {
  ingestPerSecond: 200_000,
  /** Share of the raw engine's rate with the same durability (a commit per batch). */
  ingestShareOfRaw: 0.5,
  serverCpuUsPerEvent: 10,
  visibleP99Ms: 1000,
  dashboardP50Ms: 20,
  dashboardP99Ms: 100,
  monthlySumMs: 500,
  monthlyActiveMs: 2000,
  rssBytes: 1.5e9,
  /** Growth of RSS from the first checkpoint (10% of the events) to the last. */
  rssGrowth: 0.1,
  readyAfterRestartMs: 10_000,
  diskBytesPerEvent: 48,
} as const;

export interface Check {
  /** Which part of the figure, e.g. "p99" (empty when a figure has one check). */
  what: string;
  value: number;
  limit: number;
  /** Whether a value above the limit ('higher') or below it ('lower') is the good side. */
  better: 'lower' | 'higher';
}

export function passes(c: Check): boolean {
  return c.better === 'lower' ? c.value <= c.limit : c.value >= c.limit;
}

/**
 * "2.3x over target", "+23% over target", "45% below target", "10.5x below target": a factor
 * once the value is twice (or half) the limit, a percentage before that.
 */
export function missBy(c: Check): string {
  if (c.better === 'lower') {
    if (c.value === Number.POSITIVE_INFINITY) return 'never reached';
    const factor = c.value / c.limit;
    return factor >= 2
      ? `${factor.toFixed(1)}x over target`
      : `+${Math.max(1, Math.round((factor - 1) * 100))}% over target`;
  }
  if (c.value <= 0) return 'none at all';
  const factor = c.limit / c.value;
  return factor >= 2
    ? `${factor.toFixed(1)}x below target`
    : `${Math.max(1, Math.round((1 - c.value / c.limit) * 100))}% below target`;
}

/**
 * "PASS", "FAIL: p50 2.3x over target; p99 +12% over target", "n/a" or "not measured" (NaN). An
 * infinite time (something that never happened, e.g. a server that never became ready) fails.
 */
export function verdict(checks: Check[]): string {
  if (checks.length === 0) return 'n/a';
  if (checks.some((c) => Number.isNaN(c.value) || Number.isNaN(c.limit))) return 'not measured';
  const missed = checks.filter((c) => !passes(c));
  if (missed.length === 0) return 'PASS';
  return `FAIL: ${missed.map((c) => (c.what ? `${c.what} ${missBy(c)}` : missBy(c))).join('; ')}`;
}
