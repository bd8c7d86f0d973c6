// Builds native queries from the few fields a profile mapping sets, with the engine's neutral
// defaults for everything else (UTC, no grouping, no filters, incremental, no gap fill).

import type { MetricsQuery, TotalsQuery } from '../../../query/metrics-query.js';
import type { UsageQuery } from '../../../query/usage-query.js';

export type UsageQueryFields = Pick<UsageQuery, 'meterSlug' | 'from' | 'to'> & Partial<UsageQuery>;

/** Fresh arrays and objects per call: callers may extend what they get back. */
const defaults = () => ({
  timeZone: 'UTC',
  groupBy: [],
  subjects: [],
  filters: {},
  mode: { kind: 'incremental' } as const,
  fillZero: false,
});

export function usageQuery(fields: UsageQueryFields): UsageQuery {
  return { ...defaults(), ...fields };
}

export type MetricsQueryFields = Pick<MetricsQuery, 'metrics' | 'from' | 'to'> &
  Partial<MetricsQuery>;

export function metricsQuery(fields: MetricsQueryFields): MetricsQuery {
  return { ...defaults(), ...fields };
}

export type TotalsQueryFields = Pick<TotalsQuery, 'metrics' | 'from' | 'to'> & Partial<TotalsQuery>;

export function totalsQuery(fields: TotalsQueryFields): TotalsQuery {
  return { subjects: [], filters: {}, ...fields };
}
