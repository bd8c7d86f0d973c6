// What the acknowledged events not yet folded into DuckDB touch, per log record: for each account,
// the span of their event times and their subjects. A read of meter rows waits only for the
// records that can change its answer, instead of for every event acknowledged before it: a
// dashboard asking about one customer's last month does not wait for the fold of other
// customers' events, nor of events outside that month. An acknowledged event is still visible to
// every later read that can see it.
import type { IngestItem } from '../../ingest/stored-event.js';
import type { FilterNode } from '../../query/planned-query.js';
import { conjuncts } from './rollup/serves.js';

/** The meter rows a read may see: one account, event times in [from, to), perhaps some subjects. */
export interface ReadScope {
  accountId: string;
  from: number;
  to: number;
  /** When set, rows of other subjects cannot change the read's answer. */
  subjects?: ReadonlySet<string>;
}

interface AccountSpan {
  min: number;
  max: number;
  subjects: Set<string>;
}

export type Footprint = Map<string, AccountSpan>;

export function footprintOf(items: readonly IngestItem[]): Footprint {
  const fp: Footprint = new Map();
  for (const { event } of items) {
    const span = fp.get(event.accountId);
    if (!span) {
      fp.set(event.accountId, {
        min: event.time,
        max: event.time,
        subjects: new Set([event.subject]),
      });
      continue;
    }
    if (event.time < span.min) span.min = event.time;
    if (event.time > span.max) span.max = event.time;
    span.subjects.add(event.subject);
  }
  return fp;
}

/** Whether events of the footprint may fall in the scope. */
export function touches(fp: Footprint, scope: ReadScope): boolean {
  const span = fp.get(scope.accountId);
  if (!span || span.max < scope.from || span.min >= scope.to) return false;
  if (!scope.subjects) return true;
  for (const subject of scope.subjects) if (span.subjects.has(subject)) return true;
  return false;
}

/**
 * The subjects a filter confines rows to, from its ANDed conditions `subject = x` and
 * `subject IN (...)` (several intersect); undefined when none of them names the subject.
 */
export function subjectsOf(filter: FilterNode | undefined): ReadonlySet<string> | undefined {
  let out: Set<string> | undefined;
  for (const node of conjuncts(filter, [])) {
    if (!('dim' in node) || node.dim.kind !== 'subject') continue;
    let named: string[];
    if (node.op === 'eq') named = [node.value];
    else if (node.op === 'in') named = node.values;
    else continue;
    out = out ? new Set(named.filter((s) => out?.has(s))) : new Set(named);
  }
  return out;
}
