// Maps OpenMeter-style query parameters (GET) and bodies (POST) onto the native UsageQuery.
import type { z } from '@hono/zod-openapi';
import { CUSTOMERS_REFUSED, type MeterQueryRequestSchema } from '../../contract/meter-query.js';
import { type Issue, ValidationError } from '../../errors/domain-errors.js';
import { INSTANT_GRAMMAR, parseInstantText } from '../../lib/time/instant.js';
import { parseZone } from '../../lib/time/zone.js';
import type {
  AggregationMode,
  FilterString,
  UsageQuery,
  WindowSize,
} from '../../query/usage-query.js';

export type MeterQueryInput = z.infer<typeof MeterQueryRequestSchema>;

const WINDOW: Record<string, WindowSize> = {
  MINUTE: 'MINUTE',
  PT1M: 'MINUTE',
  FIFTEEN_MINUTES: 'FIFTEEN_MINUTES',
  PT15M: 'FIFTEEN_MINUTES',
  HOUR: 'HOUR',
  PT1H: 'HOUR',
  DAY: 'DAY',
  P1D: 'DAY',
  WEEK: 'WEEK',
  P1W: 'WEEK',
  MONTH: 'MONTH',
  P1M: 'MONTH',
  YEAR: 'YEAR',
  P1Y: 'YEAR',
};

const SPAN_UNIT: Record<string, WindowSize> = {
  D: 'DAY',
  W: 'WEEK',
  M: 'MONTH',
  Y: 'YEAR',
  TH: 'HOUR',
  TM: 'MINUTE',
};

/**
 * RFC 3339, epoch milliseconds (digits only), or relative to `now` ("now", "-PT1M", "-P30D"), in
 * years 0000..9999. Anything else is a ValidationError naming `param`.
 */
export function parseInstant(s: string, now = Date.now(), param = 'instant'): number {
  const ms = parseInstantText(s, now);
  if (ms === undefined)
    throw new ValidationError([{ path: param, message: `must be ${INSTANT_GRAMMAR}` }]);
  return ms;
}

export function parseRollingSpan(s: string): { unit: WindowSize; count: number } | undefined {
  const m = /^P(?:(\d+)([DWMY])|T(\d+)([HM]))$/.exec(s);
  if (!m) return undefined;
  const count = Number(m[1] ?? m[3]);
  const unit = SPAN_UNIT[m[2] ?? `T${m[4]}`];
  return unit && count > 0 ? { unit, count } : undefined;
}

export function toUsageQuery(slug: string, input: MeterQueryInput, now: number): UsageQuery {
  const issues: Issue[] = [];
  const timeZone = input.windowTimeZone ?? 'UTC';
  if (!parseZone(timeZone)) {
    issues.push({ path: 'windowTimeZone', message: `unknown time zone or offset "${timeZone}"` });
  }
  const to = instantOf(input.to, 'to', now, now, issues);
  const from = instantOf(input.from, 'from', 0, now, issues);
  if (from !== undefined && to !== undefined && from >= to) {
    issues.push({ path: 'from', message: 'must be before to' });
  }
  for (const field of ['filterCustomerId', 'customerId'] as const) {
    if (input[field] !== undefined) issues.push({ path: field, message: CUSTOMERS_REFUSED });
  }

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
    const period = WINDOW[input.cumulativePeriod ?? 'P1M'] ?? 'MONTH';
    mode = { kind: 'cumulative', period };
  } else if (input.aggregationMode === 'rolling') {
    const span = input.rollingSpan ? parseRollingSpan(input.rollingSpan) : undefined;
    if (!span)
      issues.push({ path: 'rollingSpan', message: 'is required for rolling mode, e.g. P30D' });
    else mode = { kind: 'rolling', span };
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
    timeZone,
    groupBy: [...new Set(input.groupBy ?? [])],
    subjects: input.subject ?? [],
    filters,
    mode,
    fillZero: input.fill === 'zero',
  };
  if (input.windowSize) q.windowSize = WINDOW[input.windowSize];
  return q;
}

function instantOf(
  text: string | undefined,
  param: string,
  absent: number,
  now: number,
  issues: Issue[],
): number | undefined {
  if (text === undefined) return absent;
  const ms = parseInstantText(text, now);
  if (ms === undefined) issues.push({ path: param, message: `must be ${INSTANT_GRAMMAR}` });
  return ms;
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
