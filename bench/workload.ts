// What every side of the benchmark runs: the two meters and the query cases of the targets (docs/benchmarks.md).
import { type Dataset, EVENT_TYPE, YEAR_START } from './dataset.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export const TOKENS_METER = {
  slug: 'bench_tokens',
  aggregation: 'SUM',
  eventType: EVENT_TYPE,
  valueProperty: '$.tokens',
  groupBy: { model: '$.model', region: '$.region', project: '$.project', env: '$.env' },
} as const;

export const USERS_METER = {
  slug: 'bench_active_users',
  aggregation: 'UNIQUE_COUNT',
  eventType: EVENT_TYPE,
  valueProperty: '$.user',
  groupBy: { env: '$.env' },
} as const;

/** One per-customer dashboard query: 30 days, hourly, grouped by project, one subject. */
export interface DashboardCase {
  subject: number;
  from: number;
  to: number;
}

/**
 * Cases rotate over the 10 heaviest customers (the Zipf head: the hard case for a per-customer
 * query) and 30-day ranges spread over the year, so the cache never holds just one answer.
 */
export function dashboardCases(count: number): DashboardCase[] {
  const cases: DashboardCase[] = [];
  for (let k = 0; k < count; k++) {
    const startDay = (k * 37) % 330;
    const from = YEAR_START + startDay * DAY_MS;
    cases.push({ subject: k % 10, from, to: from + 30 * DAY_MS });
  }
  return cases;
}

/** Month index (0..11) of each day of 2025, so calendar rules apply per day, never per row. */
export function monthOfDay(): Uint8Array {
  const out = new Uint8Array(365);
  for (let d = 0; d < 365; d++) out[d] = new Date(YEAR_START + d * DAY_MS).getUTCMonth();
  return out;
}

/** Rows of the dataset that fall in [from, to): the data is in time order, so two binary searches. */
export function timeRange(d: Dataset, from: number, to: number): [number, number] {
  const lower = (t: number): number => {
    let lo = 0;
    let hi = d.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((d.time[mid] ?? 0) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [lower(from), lower(to)];
}
