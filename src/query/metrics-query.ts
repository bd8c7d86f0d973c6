// Several meters (and expressions over them) answered over the same windows and groups, joined
// into one row per (window, group). Vendor APIs report several numbers side by side, and some of
// them are ratios or differences of meters; this is where those are computed, once, for all.
import { ResultOutOfRangeError } from '../errors/domain-errors.js';
import type { InlineMeter } from './inline-meter.js';
import { evaluateMetric, type MetricSet, metersOf } from './metric-expr.js';
import type { UsageQuery, UsageResult, UsageRow, WindowSize } from './usage-query.js';

/** A usage query over named metrics instead of one meter; every meter must have the groupBy. */
export interface MetricsQuery extends Omit<UsageQuery, 'meterSlug' | 'inlineMeter'> {
  metrics: MetricSet;
  /** Ad-hoc meters by the slug the metrics name them with (a stored meter of that slug is not read). */
  inlineMeters?: Record<string, InlineMeter>;
}

export interface MetricRow {
  windowStart: number;
  windowEnd: number;
  subject: string | null;
  groupBy: Record<string, string | null>;
  /** Metric name -> value; a metric none of whose meters reported a value here is absent. */
  values: Record<string, number>;
}

export interface MetricsResult {
  from: number;
  to: number;
  windowSize?: WindowSize;
  timeZone: string;
  rows: MetricRow[];
}

/** One total per metric over [from, to): no windows, no groups. */
export type TotalsQuery = Pick<UsageQuery, 'from' | 'to' | 'subjects' | 'filters'> & {
  metrics: MetricSet;
};

/** Runs one meter's query; `share` of the request's cell budget is this query's (1 / meters). */
export type RunUsageQuery = (q: UsageQuery, share: number) => Promise<UsageResult>;

function keyOf(row: UsageRow, names: readonly string[]): (string | null)[] {
  return names.map((n) => (n === 'subject' ? row.subject : (row.groupBy[n] ?? null)));
}

function compareKeys(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Joins per-meter results (keyed by meter slug) and evaluates the metrics on each joined row. */
export function joinMetrics(
  q: Pick<MetricsQuery, 'groupBy' | 'metrics'>,
  results: ReadonlyMap<string, Pick<UsageResult, 'rows'>>,
): MetricRow[] {
  const joined = new Map<
    string,
    { row: UsageRow; keys: (string | null)[]; values: Map<string, number> }
  >();
  for (const [slug, result] of results) {
    for (const row of result.rows) {
      const keys = keyOf(row, q.groupBy);
      const id = JSON.stringify([row.windowStart, ...keys]);
      let j = joined.get(id);
      if (!j) {
        j = { row, keys, values: new Map() };
        joined.set(id, j);
      }
      j.values.set(slug, row.value);
    }
  }
  const ordered = [...joined.values()].sort(
    (a, b) => a.row.windowStart - b.row.windowStart || compareKeys(a.keys, b.keys),
  );
  return ordered.map(({ row, values }) => {
    const out: MetricRow = {
      windowStart: row.windowStart,
      windowEnd: row.windowEnd,
      subject: row.subject,
      groupBy: row.groupBy,
      values: {},
    };
    for (const [name, expr] of Object.entries(q.metrics)) {
      const v = evaluateMetric(expr, values);
      if (v !== undefined && !Number.isFinite(v)) {
        throw new ResultOutOfRangeError(
          `metric ${name} in the window starting ${new Date(row.windowStart).toISOString()} is beyond the range of a 64-bit float (about ±1.8e308) and cannot be reported as a number`,
        );
      }
      if (v !== undefined) out.values[name] = v;
    }
    return out;
  });
}

/** Runs one usage query per meter the metrics read (in parallel) and joins them. */
export async function runMetricsQuery(run: RunUsageQuery, q: MetricsQuery): Promise<MetricsResult> {
  const { metrics, inlineMeters, ...scope } = q;
  const slugs = new Set<string>();
  for (const expr of Object.values(metrics)) metersOf(expr, slugs);
  // The meters run in parallel and their rows are joined, so they split one request's budget.
  const share = 1 / Math.max(1, slugs.size);
  const results = await Promise.all(
    [...slugs].map((meterSlug) => {
      const inlineMeter = inlineMeters?.[meterSlug];
      return run({ ...scope, meterSlug, ...(inlineMeter ? { inlineMeter } : {}) }, share);
    }),
  );
  const bySlug = new Map([...slugs].map((s, i) => [s, results[i] ?? { rows: [] }]));
  const out: MetricsResult = {
    from: q.from,
    to: q.to,
    timeZone: q.timeZone,
    rows: joinMetrics(q, bySlug),
  };
  const windowSize = results.find((r) => r.windowSize)?.windowSize;
  if (windowSize) out.windowSize = windowSize;
  return out;
}

/** Totals over the range: every metric has a value, 0 when no event counted. */
export async function runTotalsQuery(
  run: RunUsageQuery,
  q: TotalsQuery,
): Promise<Record<string, number>> {
  const result = await runMetricsQuery(run, {
    ...q,
    timeZone: 'UTC',
    groupBy: [],
    mode: { kind: 'incremental' },
    // Zero filling makes the one ungrouped, unwindowed row exist even with no events.
    fillZero: true,
  });
  const values = result.rows[0]?.values ?? {};
  return Object.fromEntries(Object.keys(q.metrics).map((name) => [name, values[name] ?? 0]));
}
