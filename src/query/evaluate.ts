// Pure evaluation of store partials into usage rows: merges partial aggregates per window, and
// applies cumulative and rolling modes and zero filling. Unique counts never merge by summing
// per-window distinct counts: they come from first-seen or coverage rows, which are exact.

import type { Aggregation } from '../contract/vocabulary.js';
import { ResultOutOfRangeError } from '../errors/domain-errors.js';
import { type CellBudget, UNLIMITED } from './cost.js';
import type { CoverageRow, FirstSeenRow, NumericRow, UniqueRow } from './planned-query.js';
import type { UsagePlan } from './planner.js';
import type { UsageRow } from './usage-query.js';

/** A numeric row's aggregates without its place (window and group). */
type Partials = Omit<NumericRow, 'window' | 'keys'>;

const EMPTY: Partials = { count: 0, sum: 0, min: null, max: null, latest: null, latestTime: null };

function merge(a: Partials, b: Partials): Partials {
  const newer =
    b.latestTime !== null &&
    (a.latestTime === null ||
      b.latestTime > a.latestTime ||
      (b.latestTime === a.latestTime && (b.latest ?? 0) > (a.latest ?? 0)));
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
    max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
    latest: newer ? b.latest : a.latest,
    latestTime: newer ? b.latestTime : a.latestTime,
  };
}

/** The meter's value of a merged partial; undefined when the window holds no value. */
function meterValue(agg: Aggregation, p: Partials): number | undefined {
  switch (agg) {
    case 'COUNT':
      return p.count > 0 ? p.count : undefined;
    case 'SUM':
      return p.count > 0 ? p.sum : undefined;
    case 'AVG':
      return p.count > 0 ? p.sum / p.count : undefined;
    case 'MIN':
      return p.min ?? undefined;
    case 'MAX':
      return p.max ?? undefined;
    case 'LATEST':
      return p.latest ?? undefined;
    case 'UNIQUE_COUNT':
      return undefined;
  }
}

type Series = Map<string, { keys: (string | null)[]; values: (number | undefined)[] }>;

function seriesFor(series: Series, keys: (string | null)[], n: number, budget?: CellBudget) {
  const id = JSON.stringify(keys);
  let s = series.get(id);
  if (!s) {
    budget?.addGroup();
    s = { keys, values: new Array<number | undefined>(n).fill(undefined) };
    series.set(id, s);
  }
  return s;
}

export function evaluateNumeric(
  plan: UsagePlan,
  rows: NumericRow[],
  budget: CellBudget = UNLIMITED(plan.windows.length),
): UsageRow[] {
  const n = plan.windows.length;
  const partials = new Map<string, { keys: (string | null)[]; parts: (Partials | undefined)[] }>();
  for (const r of rows) {
    if (r.window < 0 || r.window >= n) continue;
    const id = JSON.stringify(r.keys);
    let g = partials.get(id);
    if (!g) {
      budget.addGroup();
      g = { keys: r.keys, parts: new Array<Partials | undefined>(n).fill(undefined) };
      partials.set(id, g);
    }
    g.parts[r.window] = merge(g.parts[r.window] ?? EMPTY, r);
  }
  const agg = plan.meter.aggregation;
  const series: Series = new Map();
  for (const g of partials.values()) {
    const s = seriesFor(series, g.keys, n);
    const mode = plan.mode;
    if (mode.kind === 'cumulative') {
      let acc: Partials = EMPTY;
      let period = -1;
      for (let w = 0; w < n; w++) {
        if (mode.periodOfWindow[w] !== period) {
          period = mode.periodOfWindow[w] ?? -1;
          acc = EMPTY;
        }
        acc = merge(acc, g.parts[w] ?? EMPTY);
        s.values[w] = meterValue(agg, acc);
      }
    } else if (mode.kind === 'rolling') {
      for (let w = 0; w < n; w++) {
        let acc: Partials = EMPTY;
        for (let i = Math.max(0, w - mode.span + 1); i <= w; i++)
          acc = merge(acc, g.parts[i] ?? EMPTY);
        s.values[w] = meterValue(agg, acc);
      }
    } else {
      for (let w = 0; w < n; w++) {
        const p = g.parts[w];
        s.values[w] = p ? meterValue(agg, p) : undefined;
      }
    }
  }
  return emit(plan, series, budget);
}

export function evaluateUnique(
  plan: UsagePlan,
  rows: UniqueRow[],
  budget: CellBudget = UNLIMITED(plan.windows.length),
): UsageRow[] {
  const n = plan.windows.length;
  const series: Series = new Map();
  for (const r of rows) {
    if (r.window < 0 || r.window >= n) continue;
    seriesFor(series, r.keys, n, budget).values[r.window] = r.uniques;
  }
  return emit(plan, series, budget);
}

export function evaluateFirstSeen(
  plan: UsagePlan,
  rows: FirstSeenRow[],
  budget: CellBudget = UNLIMITED(plan.windows.length),
): UsageRow[] {
  const mode = plan.mode;
  if (mode.kind !== 'cumulative') throw new Error('first-seen rows need a cumulative plan');
  const n = plan.windows.length;
  const added = new Map<string, { keys: (string | null)[]; counts: number[] }>();
  for (const r of rows) {
    if (r.window < 0 || r.window >= n) continue;
    const id = JSON.stringify(r.keys);
    let g = added.get(id);
    if (!g) {
      budget.addGroup();
      g = { keys: r.keys, counts: new Array<number>(n).fill(0) };
      added.set(id, g);
    }
    g.counts[r.window] = (g.counts[r.window] ?? 0) + r.count;
  }
  const series: Series = new Map();
  for (const g of added.values()) {
    const s = seriesFor(series, g.keys, n);
    let acc = 0;
    let period = -1;
    for (let w = 0; w < n; w++) {
      if (mode.periodOfWindow[w] !== period) {
        period = mode.periodOfWindow[w] ?? -1;
        acc = 0;
      }
      acc += g.counts[w] ?? 0;
      s.values[w] = acc > 0 ? acc : undefined;
    }
  }
  return emit(plan, series, budget);
}

export function evaluateCoverage(
  plan: UsagePlan,
  rows: CoverageRow[],
  budget: CellBudget = UNLIMITED(plan.windows.length),
): UsageRow[] {
  const n = plan.windows.length;
  const deltas = new Map<string, { keys: (string | null)[]; d: number[] }>();
  for (const r of rows) {
    const id = JSON.stringify(r.keys);
    let g = deltas.get(id);
    if (!g) {
      budget.addGroup();
      g = { keys: r.keys, d: new Array<number>(n + 1).fill(0) };
      deltas.set(id, g);
    }
    if (r.start >= 0 && r.start < n) g.d[r.start] = (g.d[r.start] ?? 0) + r.count;
    const end = Math.min(r.end, n);
    if (end >= 0) g.d[end] = (g.d[end] ?? 0) - r.count;
  }
  const series: Series = new Map();
  for (const g of deltas.values()) {
    const s = seriesFor(series, g.keys, n);
    let acc = 0;
    for (let w = 0; w < n; w++) {
      acc += g.d[w] ?? 0;
      s.values[w] = acc > 0 ? acc : undefined;
    }
  }
  return emit(plan, series, budget);
}

function emit(plan: UsagePlan, series: Series, budget: CellBudget): UsageRow[] {
  if (plan.fillZero && plan.keyNames.length === 0 && series.size === 0) {
    seriesFor(series, [], plan.windows.length);
  }
  const out: UsageRow[] = [];
  const groups = [...series.values()].sort((a, b) => compareKeys(a.keys, b.keys));
  for (let w = plan.firstOutput; w < plan.windows.length; w++) {
    const win = plan.windows[w];
    if (!win) continue;
    for (const g of groups) {
      const v = g.values[w];
      if (v === undefined && !plan.fillZero) continue;
      budget.addRow();
      const row: UsageRow = {
        windowStart: win.start,
        windowEnd: win.end,
        subject: null,
        groupBy: {},
        value: v ?? 0,
      };
      plan.keyNames.forEach((name, i) => {
        const k = g.keys[i] ?? null;
        if (name === 'subject') row.subject = k;
        else if (plan.store.groupBy[i]?.kind === 'customer') row.customerId = k;
        else row.groupBy[name] = k;
      });
      if (!Number.isFinite(row.value)) throw outOfRange(plan, row);
      out.push(row);
    }
  }
  return out;
}

function compareKeys(a: (string | null)[], b: (string | null)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Sums (and averages, which divide a sum) of doubles can overflow to Infinity; JSON has no such
 * number, so the query is refused, naming the window and group, rather than answer null.
 */
function outOfRange(plan: UsagePlan, row: UsageRow): ResultOutOfRangeError {
  const keys = plan.keyNames
    .map(
      (name) => `${name}=${JSON.stringify(name === 'subject' ? row.subject : row.groupBy[name])}`,
    )
    .join(', ');
  return new ResultOutOfRangeError(
    `the ${plan.meter.aggregation} of meter ${plan.meter.slug} in window ${new Date(row.windowStart).toISOString()}..${new Date(row.windowEnd).toISOString()}${keys ? ` for ${keys}` : ''} is beyond the range of a 64-bit float (about ±1.8e308) and cannot be reported as a number; smaller windows or finer groups may stay within it`,
  );
}
