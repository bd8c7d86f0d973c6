// The pure usage-query planner: resolves names to storage dimensions, lays out calendar windows
// in the query's zone and decides which store calls answer the query. No I/O.
import { DateTime } from 'luxon';
import type { WindowSize } from '../contract/vocabulary.js';
import { type Issue, ValidationError } from '../errors/domain-errors.js';
import { MAX_INSTANT, MIN_INSTANT } from '../lib/time/instant.js';
import { parseZone } from '../lib/time/zone.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import { resolveWindowSize } from './auto-window.js';
import { tooManyWindows } from './cost.js';
import { filterStringToNode } from './filters.js';
import type {
  BaseUsageQuery,
  Bucketing,
  DimRef,
  EventSource,
  FilterNode,
} from './planned-query.js';
import type { CustomerScope, GroupKeySet, UsageQuery } from './usage-query.js';
import { fewestWindows, NOMINAL_MS, truncate } from './window-size.js';
import { bucketingFor, enumerateWindows, type Window, windowOf } from './windows.js';

export type PlanMode =
  | { kind: 'incremental' }
  | { kind: 'cumulative'; periodOfWindow: number[]; periodBucket: Bucketing }
  | { kind: 'rolling'; span: number };

export interface UsagePlan {
  meter: MeterDefinition;
  store: BaseUsageQuery;
  /** All windows the store buckets into (may start before the first output window). */
  windows: Window[];
  /** Index of the first window that is returned. */
  firstOutput: number;
  /** Names of the grouping keys, in store key order ("subject" or a dimension name). */
  keyNames: string[];
  mode: PlanMode;
  fillZero: boolean;
  windowed: boolean;
  /** The concrete window size ('AUTO' resolved); undefined for one total over the range. */
  windowSize?: WindowSize;
}

/** The customer key's name (OpenMeter's reserved group-by value). */
export const CUSTOMER_KEY = 'customer_id';

function dimRef(
  meter: MeterDefinition,
  name: string,
  customers: CustomerScope | undefined,
): DimRef | undefined {
  if (name === 'subject') return { kind: 'subject' };
  const slot = meter.dimensions.findIndex(([n]) => n === name);
  if (slot >= 0) return { kind: 'dim', slot };
  // A meter dimension of that name keeps its meaning (meters made before customers existed).
  if (name === CUSTOMER_KEY && customers) {
    return { kind: 'customer', attribution: customers.attribution };
  }
  return undefined;
}

/** A group-key set as a filter; its names come from the usage service, not from the request. */
function keySetNode(
  meter: MeterDefinition,
  set: GroupKeySet,
  customers: CustomerScope | undefined,
): FilterNode {
  const dims = set.dimensions.map((name) => {
    const ref = dimRef(meter, name, customers);
    if (!ref) throw new Error(`meter ${meter.slug} has no dimension "${name}"`);
    return ref;
  });
  return { op: set.except ? 'notKeys' : 'keys', dims, keys: set.keys };
}

/** Whether every boundary of `inner` windows is also... i.e. `outer` periods are unions of them. */
function nests(inner: WindowSize, outer: WindowSize): boolean {
  if (NOMINAL_MS[inner] > NOMINAL_MS[outer]) return false;
  if (inner === 'WEEK') return outer === 'WEEK';
  return true;
}

function spanInWindows(unit: WindowSize, count: number, size: WindowSize): number | undefined {
  if (unit === 'MONTH' || unit === 'YEAR' || size === 'MONTH' || size === 'YEAR') {
    if (unit === size) return count;
    if (unit === 'YEAR' && size === 'MONTH') return count * 12;
    return undefined;
  }
  const k = (count * NOMINAL_MS[unit]) / NOMINAL_MS[size];
  return Number.isInteger(k) && k >= 1 ? k : undefined;
}

/**
 * `maxCells` bounds the windows before they are laid out (a year of minutes is half a million
 * objects); the usage service checks windows x groups once the store has estimated the groups.
 */
export function planUsage(
  meter: MeterDefinition,
  q: UsageQuery,
  /** The subject, or subjects (a customer-bound key), the caller may read. */
  restrictSubject?: string | readonly string[],
  maxCells = Number.POSITIVE_INFINITY,
  /** Read the raw events through this ad-hoc meter (`meter` is then its stand-in definition). */
  source?: EventSource,
): UsagePlan {
  const issues: Issue[] = [];
  // The zone is read once per query. The native contract reads it while parsing the request (so a
  // bad zone is listed with every other bad parameter) and hands the zone it read; compat profiles
  // and in-process callers hand text, which is read and refused here. Reading the text again when
  // the zone is given would be a second judge of the same input, with its own message.
  const zone = q.zone ?? parseZone(q.timeZone);
  if (!zone) issues.push({ path: 'windowTimeZone', message: `unknown time zone "${q.timeZone}"` });
  for (const [path, ms] of [
    ['from', q.from],
    ['to', q.to],
  ] as const) {
    if (!(Number.isFinite(ms) && ms >= MIN_INSTANT && ms <= MAX_INSTANT)) {
      issues.push({ path, message: 'must be an instant between years 0000 and 9999' });
    }
  }
  if (!(q.from < q.to)) issues.push({ path: 'from', message: 'from must be before to' });

  const groupBy: DimRef[] = [];
  for (const name of q.groupBy) {
    const ref = dimRef(meter, name, q.customers);
    if (ref) groupBy.push(ref);
    else
      issues.push({ path: 'groupBy', message: `meter ${meter.slug} has no dimension "${name}"` });
  }

  const filters: FilterNode[] = [];
  if (q.subjects.length > 0)
    filters.push({ op: 'in', dim: { kind: 'subject' }, values: q.subjects });
  if (q.customers?.subjects) {
    filters.push({ op: 'in', dim: { kind: 'subject' }, values: q.customers.subjects });
  }
  if (typeof restrictSubject === 'string') {
    filters.push({ op: 'eq', dim: { kind: 'subject' }, value: restrictSubject });
  } else if (restrictSubject !== undefined) {
    filters.push({ op: 'in', dim: { kind: 'subject' }, values: [...restrictSubject] });
  }
  for (const [name, f] of Object.entries(q.filters)) {
    const ref = dimRef(meter, name, q.customers);
    if (!ref) {
      issues.push({
        path: `filter.${name}`,
        message: `meter ${meter.slug} has no dimension "${name}"`,
      });
      continue;
    }
    filters.push(filterStringToNode(f, ref, `filter.${name}`, issues));
  }
  if (q.keySet) filters.push(keySetNode(meter, q.keySet, q.customers));
  if (q.limit !== undefined && q.groupBy.length === 0) {
    issues.push({ path: 'limit', message: 'limits groups, so it needs a groupBy' });
  }

  let mode: PlanMode = { kind: 'incremental' };
  let rangeFrom = q.from;
  let windows: Window[] = [{ start: q.from, end: q.to }];
  let firstOutput = 0;
  let bucket: Bucketing = { kind: 'all' };
  const size = resolveWindowSize(q);

  if (zone && size && issues.length === 0) {
    const fewest = fewestWindows(q.from, q.to, size);
    if (fewest > maxCells) throw tooManyWindows(fewest, maxCells);
    if (q.mode.kind === 'cumulative') {
      const period = q.mode.period;
      if (!nests(size, period)) {
        issues.push({
          path: 'cumulativePeriod',
          message: `a ${period} period is not made of ${size} windows`,
        });
      } else {
        rangeFrom = truncate(DateTime.fromMillis(q.from, { zone }), period).toMillis();
        windows = enumerateWindows(rangeFrom, q.to, size, zone);
        const periods = enumerateWindows(rangeFrom, q.to, period, zone);
        const periodBucket = bucketingFor(periods, period, zone);
        mode = {
          kind: 'cumulative',
          periodBucket,
          periodOfWindow: windows.map((w) => windowOf(periodBucket, w.start)),
        };
      }
    } else if (q.mode.kind === 'rolling') {
      const span = spanInWindows(q.mode.span.unit, q.mode.span.count, size);
      if (span === undefined) {
        issues.push({
          path: 'rollingSpan',
          message: `the span is not a whole number of ${size} windows`,
        });
      } else {
        windows = enumerateWindows(q.from, q.to, size, zone, span - 1);
        rangeFrom = windows[0]?.start ?? q.from;
        mode = { kind: 'rolling', span };
      }
    } else {
      windows = enumerateWindows(q.from, q.to, size, zone);
    }
    if (windows.length > maxCells) throw tooManyWindows(windows.length, maxCells);
    if (issues.length === 0) {
      bucket = bucketingFor(windows, size, zone);
      firstOutput = Math.max(
        0,
        windows.findIndex((w) => w.end > q.from),
      );
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const filter: FilterNode | undefined =
    filters.length === 0
      ? undefined
      : filters.length === 1
        ? filters[0]
        : { op: 'and', children: filters };
  const store: BaseUsageQuery = {
    accountId: meter.accountId,
    meterId: meter.id,
    from: rangeFrom,
    to: q.to,
    bucket,
    groupBy,
    latest: meter.aggregation === 'LATEST',
  };
  if (filter) store.filter = filter;
  if (source) store.source = source;
  const plan: UsagePlan = {
    meter,
    store,
    windows,
    firstOutput,
    keyNames: q.groupBy,
    mode,
    fillZero: q.fillZero,
    windowed: size !== undefined,
  };
  if (size) plan.windowSize = size;
  return plan;
}
