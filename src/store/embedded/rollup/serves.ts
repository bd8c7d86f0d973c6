// Whether a numeric usage query can read rollup_15m instead of meter_rows and get identical rows.
// A 15-minute bucket stands for all its rows only if no boundary the query draws (range ends,
// window edges, offset changes, local midnights) falls inside a bucket, and if the rollup keeps
// every column the query groups or filters on: at most one dimension slot, and never the subject
// (the rollup keeps none; per-subject queries, subject-bound keys included, read raw rows).
// Likewise whether a unique query can read distinct_1d: no boundary inside a UTC day, and no
// column but the value (the daily distinct values keep no subject and no dimension).
import type {
  BaseUsageQuery,
  Bucketing,
  DimRef,
  FilterNode,
  GroupEstimateQuery,
} from '../../../query/planned-query.js';
import { DAY_MS } from '../compaction-policy.js';
import { inlinable, requiredSubjects } from '../compile-usage.js';
import { ROLLUP_BUCKET_MS } from './schema.js';

/** Which rollup rows serve `q`: one dimension slot's, the no-dimension rows, or none (raw). */
export type RollupSlot = number | 'none';

function aligned(ms: number, unit = ROLLUP_BUCKET_MS): boolean {
  return Number.isSafeInteger(ms) && ms % unit === 0;
}

/**
 * Every window edge on a multiple of `unit` (a quarter hour, or a UTC day), and every row at or
 * after `from` mapped by non-negative integer division: the SQL's `//` truncates toward zero, so
 * for negative operands a row and its bucket start could fall in different windows (times before
 * 1970 only; they read raw rows).
 */
function bucketAligned(bucket: Bucketing, from: number, unit = ROLLUP_BUCKET_MS): boolean {
  const on = (ms: number) => aligned(ms, unit);
  switch (bucket.kind) {
    case 'all':
      return true;
    case 'uniform':
      return on(bucket.width) && bucket.width > 0 && on(bucket.origin) && from >= bucket.origin;
    case 'calendar': {
      // The first span starts at -Infinity whatever its `from` says; the others switch offset at
      // their `from`, which must therefore fall on a bucket edge too.
      const [first, ...rest] = bucket.offsets;
      const offsets = bucket.offsets.map((s) => s.offsetMs);
      return (
        first !== undefined &&
        offsets.every(on) &&
        rest.every((s) => on(s.from)) &&
        from + Math.min(...offsets) >= 0
      );
    }
  }
}

function filterDims(node: FilterNode | undefined, out: DimRef[]): DimRef[] {
  if (!node) return out;
  if ('children' in node) {
    for (const child of node.children) filterDims(child, out);
  } else if ('dims' in node) out.push(...node.dims);
  else out.push(node.dim);
  return out;
}

/** Whether `q` groups or filters by subject, or by the customer (read from the subject). */
export function referencesSubject(q: Pick<GroupEstimateQuery, 'groupBy' | 'filter'>): boolean {
  return [...q.groupBy, ...filterDims(q.filter, [])].some((d) => d.kind !== 'dim');
}

/** The dimension slots `q` groups or filters on, ascending. */
export function referencedSlots(q: Pick<GroupEstimateQuery, 'groupBy' | 'filter'>): number[] {
  const slots = new Set<number>();
  for (const d of [...q.groupBy, ...filterDims(q.filter, [])]) {
    if (d.kind === 'dim') slots.add(d.slot);
  }
  return [...slots].sort((a, b) => a - b);
}

/** The conjuncts of a filter: its top-level ANDs flattened. */
/** The conditions a filter ANDs together (the filter itself when it is not an AND). */
export function conjuncts(node: FilterNode | undefined, out: FilterNode[]): FilterNode[] {
  if (!node) return out;
  if (node.op === 'and') for (const child of node.children) conjuncts(child, out);
  else out.push(node);
  return out;
}

/**
 * `q` without each of its ANDed conditions that reads the subject (or the customer), so that it
 * keeps every row `q` keeps and perhaps more: its groups bound those of `q` from above. Undefined
 * when no condition reads the subject, or when `q` groups by it.
 */
export function withoutSubjectConditions(q: GroupEstimateQuery): GroupEstimateQuery | undefined {
  const all = conjuncts(q.filter, []);
  const kept = all.filter((n) => !referencesSubject({ groupBy: [], filter: n }));
  if (kept.length === all.length || referencesSubject({ groupBy: q.groupBy })) return undefined;
  const wider: GroupEstimateQuery = { ...q };
  if (kept.length === 0) delete wider.filter;
  else wider.filter = { op: 'and', children: kept };
  return wider;
}

/**
 * The rollup rows that answer a range query without windows (estimateGroups), or undefined when
 * only the raw rows can. `dimensions` (the meter's dimension count, when known) refuses slots the
 * rollup holds no rows for.
 */
export function rollupSlotForRange(
  q: GroupEstimateQuery,
  dimensions?: number,
): RollupSlot | undefined {
  if (!aligned(q.from) || !aligned(q.to) || referencesSubject(q)) return undefined;
  const slots = referencedSlots(q);
  if (slots.length > 1) return undefined;
  const [slot] = slots;
  if (slot === undefined) return 'none';
  // An undeclared slot is NULL in every raw row but has no rollup rows: the raw path answers.
  if (dimensions !== undefined && slot >= dimensions) return undefined;
  return slot;
}

/**
 * For a query confined to named subjects (at most 64; a conjunct `subject = s` or `subject IN
 * (...)`): those subjects and the slot of subject_rollup_15m that would answer it, when its range
 * and windows align as rollupSlot requires. Whether those subjects' rows are complete is the
 * caller's to check. Other conditions on the subject (or the customer, read from it) and grouping
 * by it are kept: the rows carry the subject.
 */
export function subjectRollupSlot(
  q: GroupEstimateQuery | BaseUsageQuery,
  dimensions: number,
): { slot: RollupSlot; subjects: readonly string[] } | undefined {
  if (!aligned(q.from) || !aligned(q.to)) return undefined;
  if ('bucket' in q && !bucketAligned(q.bucket, q.from)) return undefined;
  const subjects = requiredSubjects(q.filter);
  if (!inlinable(subjects)) return undefined;
  const slots = referencedSlots(q);
  if (slots.length > 1) return undefined;
  const [slot] = slots;
  if (slot === undefined) return { slot: 'none', subjects };
  return slot < dimensions ? { slot, subjects } : undefined;
}

/** The rollup rows that answer numeric query `q` exactly as meter_rows would, or undefined. */
export function rollupSlot(q: BaseUsageQuery, dimensions?: number): RollupSlot | undefined {
  if (!bucketAligned(q.bucket, q.from)) return undefined;
  return rollupSlotForRange(q, dimensions);
}

/** Where a query's rows are read: one slot of rollup_15m, or meter_rows. */
export type ReadSource = { from: 'rollup'; slot: RollupSlot } | { from: 'raw' };

const RAW: ReadSource = { from: 'raw' };

const NONE: ReadonlySet<number> = new Set();

/** A slot the rollup holds rows for: not dropped from it (rollup-meters.ts). */
function source(slot: RollupSlot | undefined, dropped: ReadonlySet<number>): ReadSource {
  if (slot === undefined || (slot !== 'none' && dropped.has(slot))) return RAW;
  return { from: 'rollup', slot };
}

/**
 * The source of aggregateNumeric(q). `readyDimensions` is the meter's dimension count when its
 * rollup rows are complete, undefined when they cannot answer (rollups off, rollup not rebuilt
 * yet, meter unknown or not numeric); `dropped` the slots left out of its rollup.
 */
export function numericSource(
  q: BaseUsageQuery,
  readyDimensions: number | undefined,
  dropped: ReadonlySet<number> = NONE,
): ReadSource {
  if (readyDimensions === undefined) return RAW;
  return source(rollupSlot(q, readyDimensions), dropped);
}

/** The source of estimateGroups(q), as numericSource. */
export function estimateSource(
  q: GroupEstimateQuery,
  readyDimensions: number | undefined,
  dropped: ReadonlySet<number> = NONE,
): ReadSource {
  if (readyDimensions === undefined) return RAW;
  return source(rollupSlotForRange(q, readyDimensions), dropped);
}

/**
 * Whether distinct_1d answers unique query `q` (and, for first-seen counts, its `period`) exactly
 * as meter_rows would: no grouping and no filter, the range and every window edge on a UTC
 * midnight. Each window is then a union of whole days, and a value is in a window's distinct
 * set exactly when one of those days saw it.
 */
export function distinctServes(q: BaseUsageQuery, period?: Bucketing): boolean {
  if (q.groupBy.length > 0 || q.filter !== undefined) return false;
  if (!aligned(q.from, DAY_MS) || !aligned(q.to, DAY_MS) || q.from < 0) return false;
  return (
    bucketAligned(q.bucket, q.from, DAY_MS) &&
    (period === undefined || bucketAligned(period, q.from, DAY_MS))
  );
}
