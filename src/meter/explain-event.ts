// What every meter of an account makes of one stored event: counted with which value and
// dimensions, or why not. Computed from the meters as they are now, the same way ingest extracts
// (extract.ts), so the answer is what a backfill would store.
import type { MeterVerdict } from '../contract/event-explorer.js';
import type { StoredEvent } from '../ingest/stored-event.js';
import { type CompiledMeter, extract } from './extract.js';

export function explainEvent(meters: readonly CompiledMeter[], e: StoredEvent): MeterVerdict[] {
  const data = JSON.parse(e.data) as unknown;
  return [...meters]
    .sort((a, b) => (a.meter.slug < b.meter.slug ? -1 : a.meter.slug > b.meter.slug ? 1 : 0))
    .map((cm) => verdict(cm, e, data));
}

function verdict(cm: CompiledMeter, e: StoredEvent, data: unknown): MeterVerdict {
  const m = cm.meter;
  const base = {
    meter: m.slug,
    name: m.name,
    aggregation: m.aggregation,
    eventType: m.eventType,
  };
  if (m.eventType !== e.type) {
    return {
      ...base,
      counted: false,
      reason: 'other_event_type',
      message: `the meter counts events of type ${m.eventType}`,
      value: null,
      groupBy: {},
    };
  }
  const x = extract(cm, e.time, data);
  if (!x) {
    return {
      ...base,
      counted: false,
      reason: 'before_event_from',
      message: `the meter counts events from ${m.eventFrom} on`,
      value: null,
      groupBy: {},
    };
  }
  const groupBy: Record<string, string | null> = {};
  for (const [i, [name]] of m.dimensions.entries()) groupBy[name] = x.row.dims[i] ?? null;
  return {
    ...base,
    counted: x.problem === undefined,
    ...(x.problem ? { reason: x.problem.reason, message: x.problem.message } : {}),
    value: m.aggregation === 'UNIQUE_COUNT' ? null : x.row.value,
    ...(m.aggregation === 'UNIQUE_COUNT' ? { valueText: x.row.valueText } : {}),
    groupBy,
  };
}
