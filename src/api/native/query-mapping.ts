// Maps OpenMeter-style query parameters (GET) and bodies (POST) onto the native UsageQuery. The
// contract has already parsed every field to its domain value; what is left here spans fields
// (a mode and its period or span) or needs the request's clock (relative instants).
import type { z } from '@hono/zod-openapi';
import {
  CUSTOMERS_REFUSED,
  InstantSchema,
  type MeterQueryRequestSchema,
} from '../../contract/meter-query.js';
import { type Issue, ValidationError } from '../../errors/domain-errors.js';
import { validationErrorFromZod } from '../../errors/issues-from-zod.js';
import { INSTANT_GRAMMAR, type InstantSpec, resolveInstant } from '../../lib/time/instant.js';
import type { AggregationMode, FilterString, UsageQuery } from '../../query/usage-query.js';

export type MeterQueryInput = z.infer<typeof MeterQueryRequestSchema>;

/**
 * RFC 3339, epoch milliseconds (digits only), or relative to `now` ("now", "-PT1M", "-P30D"), in
 * years 0000..9999. Anything else is a ValidationError naming `param`.
 */
export function parseInstant(s: string, now = Date.now(), param = 'instant'): number {
  // Read by the contract's schema, the one reader of the grammar on the wire, for its message.
  const parsed = InstantSchema.safeParse(s);
  if (!parsed.success) throw validationErrorFromZod(parsed.error.issues, [param]);
  return resolveInstantParam(parsed.data, param, now);
}

/** The instant a parsed parameter names at `now`, or a ValidationError naming `param`. */
export function resolveInstantParam(spec: InstantSpec, param: string, now: number): number {
  const issues: Issue[] = [];
  const ms = instantAt(spec, param, 0, now, issues);
  if (ms === undefined) throw new ValidationError(issues);
  return ms;
}

// from < to is not checked here: the planner is the one guard of the range, for every surface.
export function toUsageQuery(slug: string, input: MeterQueryInput, now: number): UsageQuery {
  const issues: Issue[] = [];
  const to = instantAt(input.to, 'to', now, now, issues);
  const from = instantAt(input.from, 'from', 0, now, issues);
  const asOf =
    input.asOf === undefined ? undefined : instantAt(input.asOf, 'asOf', now, now, issues);

  // Keys are dimension names from the request: a null-prototype object keeps "__proto__",
  // "constructor" or "toString" plain names (the planner then says the meter has no such dimension).
  const filters: Record<string, FilterString> = Object.create(null);
  for (const [dim, values] of Object.entries(input.filterGroupBy ?? {})) {
    filters[dim] = values.length === 1 ? { $eq: values[0] ?? null } : { $in: values };
  }
  for (const [dim, f] of Object.entries(input.advancedMeterGroupByFilters ?? {})) {
    filters[dim] = filters[dim] ? { $and: [filters[dim] as FilterString, f] } : f;
  }

  let mode: AggregationMode = { kind: 'incremental' };
  if (input.aggregationMode === 'cumulative') {
    mode = { kind: 'cumulative', period: input.cumulativePeriod ?? 'MONTH' };
  } else if (input.aggregationMode === 'rolling') {
    if (!input.rollingSpan)
      issues.push({ path: 'rollingSpan', message: 'is required for rolling mode, e.g. P30D' });
    else mode = { kind: 'rolling', span: input.rollingSpan };
  } else if (input.cumulativePeriod || input.rollingSpan) {
    issues.push({
      path: input.cumulativePeriod ? 'cumulativePeriod' : 'rollingSpan',
      message: 'needs the matching aggregationMode',
    });
  }
  if (mode.kind !== 'incremental' && !input.windowSize) {
    issues.push({ path: 'windowSize', message: `${mode.kind} mode needs a windowSize` });
  }
  if (issues.length > 0 || from === undefined || to === undefined) {
    throw new ValidationError(issues);
  }

  const q: UsageQuery = {
    meterSlug: slug,
    from,
    to,
    timeZone: input.windowTimeZone?.text ?? 'UTC',
    groupBy: [...new Set(input.groupBy ?? [])],
    subjects: input.subject ?? [],
    filters,
    mode,
    fillZero: input.fill === 'zero',
  };
  if (input.windowTimeZone) q.zone = input.windowTimeZone.zone;
  if (input.windowSize) q.windowSize = input.windowSize;
  if (input.limit !== undefined) q.limit = input.limit;
  if (asOf !== undefined) q.asOf = asOf;
  return q;
}

/** The parsed instant at the request's `now`; a relative one can still land before year 0000. */
function instantAt(
  spec: InstantSpec | undefined,
  param: string,
  absent: number,
  now: number,
  issues: Issue[],
): number | undefined {
  if (spec === undefined) return absent;
  const ms = resolveInstant(spec, now);
  if (ms === undefined) issues.push({ path: param, message: `must be ${INSTANT_GRAMMAR}` });
  return ms;
}

/** The customers a query filters by, under either name (absent: no customer filter). */
export function customerFilterOf(input: MeterQueryInput): string[] | undefined {
  const { filterCustomerId, customerId } = input;
  if (filterCustomerId === undefined && customerId === undefined) return undefined;
  const ids = [filterCustomerId ?? [], customerId ?? []].flat();
  return [...new Set(ids)];
}

/** Whether a GET parameter name is a customer filter under a name the schema does not list. */
export function isCustomerAlias(name: string): boolean {
  const base = name.replace(/\[.*$/s, '');
  return name !== 'filterCustomerId' && (base === 'filterCustomerId' || base === 'customerId');
}

/** The values of customer filters under the other names (`filterCustomerId[]`, `customerId`). */
export function customerAliasValues(url: string): string[] | undefined {
  const values = [...new URL(url).searchParams].filter(([k]) => isCustomerAlias(k));
  return values.length === 0 ? undefined : values.map(([, v]) => v);
}

/**
 * Customer filters under any name a client library gives them (`filterCustomerId[]`,
 * `customerId[0]`, `customerId` on a GET query): the schemas only know the plain names, and a
 * filter dropped as an unknown parameter would answer the whole account's usage.
 */
export function refuseCustomerParams(url: string): void {
  const issues: Issue[] = [];
  for (const name of new Set(new URL(url).searchParams.keys())) {
    const base = name.replace(/\[.*$/s, '');
    if (base === 'filterCustomerId' || base === 'customerId') {
      issues.push({ path: name, message: CUSTOMERS_REFUSED });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Collects deepObject `filterGroupBy[dim]=value` parameters from a URL (null prototype: the
 * dimension names are the client's, "__proto__" included). */
export function deepObjectFilters(url: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (const [k, v] of new URL(url).searchParams) {
    const m = /^filterGroupBy\[(.+)\]$/.exec(k);
    const dim = m?.[1];
    if (dim) out[dim] = [...(out[dim] ?? []), v];
  }
  return out;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
