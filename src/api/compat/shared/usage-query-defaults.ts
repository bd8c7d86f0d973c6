// Builds a native UsageQuery from the few fields a profile mapping sets, with the engine's
// neutral defaults for everything else (UTC, no grouping, no filters, incremental, no gap fill).

import type { UsageQuery } from '../../../query/usage-query.js';

export type UsageQueryFields = Pick<UsageQuery, 'meterSlug' | 'from' | 'to'> & Partial<UsageQuery>;

export function usageQuery(fields: UsageQueryFields): UsageQuery {
  return {
    timeZone: 'UTC',
    groupBy: [],
    subjects: [],
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
    ...fields,
  };
}
