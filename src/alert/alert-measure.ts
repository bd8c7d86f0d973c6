// A rule's value now, per target, through the UsageService like any query: per subject (grouped
// by subject), or per customer (grouped by customer_id over the customers' subjects, so the store
// aggregates each customer's events as one group: exact for every aggregation, e.g. a unique
// count across two subjects counts a shared value once). Subjects of no customer are not read by
// a per-customer rule.
import type { AlertRule } from '../contract/alerts.js';
import type { Customer } from '../customer/customer.js';
import { MAX_ATTRIBUTED_SUBJECTS } from '../customer/customer-service.js';
import { ValidationError } from '../errors/domain-errors.js';
import { CUSTOMER_KEY } from '../query/planner.js';
import type { UsageQuery } from '../query/usage-query.js';
import type { UsageService } from '../query/usage-service.js';
import type { AlertWindow } from './alert-window.js';

type Usage = Pick<UsageService, 'query'>;

function baseQuery(rule: AlertRule, window: AlertWindow): Omit<UsageQuery, 'groupBy' | 'subjects'> {
  return {
    meterSlug: rule.meter,
    from: window.from,
    to: window.to,
    timeZone: rule.timeZone,
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
  };
}

/** The rule's value per subject over the window (subjects: only these; empty: every one). */
export async function measure(
  usage: Usage,
  accountId: string,
  rule: AlertRule,
  window: AlertWindow,
  subjects: string[],
): Promise<Map<string, number>> {
  const result = await usage.query(accountId, {
    ...baseQuery(rule, window),
    groupBy: ['subject'],
    subjects,
  });
  const values = new Map<string, number>();
  for (const row of result.rows) {
    if (row.subject !== null) values.set(row.subject, (values.get(row.subject) ?? 0) + row.value);
  }
  return values;
}

/** The rule's value per customer id over the window, for these customers (none: no query). */
export async function measureCustomers(
  usage: Usage,
  accountId: string,
  rule: AlertRule,
  window: AlertWindow,
  customers: readonly Customer[],
): Promise<Map<string, number>> {
  const attribution = customers.flatMap((c) =>
    c.subjectKeys.map((s): [string, string] => [s, c.id]),
  );
  const values = new Map<string, number>();
  if (attribution.length === 0) return values;
  if (attribution.length > MAX_ATTRIBUTED_SUBJECTS) {
    throw new ValidationError([
      {
        path: 'customers',
        message: `a per-customer rule reads at most ${MAX_ATTRIBUTED_SUBJECTS} subjects at once; these customers have ${attribution.length}: name fewer customers in the rule`,
      },
    ]);
  }
  const result = await usage.query(accountId, {
    ...baseQuery(rule, window),
    groupBy: [CUSTOMER_KEY],
    subjects: [],
    // Only the customers' subjects are read: no group of subjects of no customer is computed.
    customers: { subjects: attribution.map(([s]) => s), attribution },
  });
  for (const row of result.rows) {
    const id = row.customerId;
    if (id !== undefined && id !== null) values.set(id, (values.get(id) ?? 0) + row.value);
  }
  return values;
}

/** The live customers a per-customer rule watches (rule.customers holds ids; empty: all). */
export function watchedCustomers(rule: AlertRule, live: readonly Customer[]): Customer[] {
  const only = rule.customers ?? [];
  return only.length === 0 ? [...live] : live.filter((c) => only.includes(c.id));
}
