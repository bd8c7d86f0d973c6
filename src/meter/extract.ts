// Extraction of meter values and dimensions from event data: done once per event at ingest (and
// again only when a meter is created or its dimensions change), never at query time. The event
// list re-runs it on stored events to show which meters could not use them.
import type { ValueProblemReason } from '../contract/vocabulary.js';
import type { Accessor } from '../lib/json-path.js';
import { compilePathAccessor } from './compiled-path.js';
import type { MeterDefinition, MeterRow } from './meter-definition.js';
import {
  describeValueProblem,
  distinctValue,
  MAX_METER_VALUE,
  numericValue,
  scalarText,
} from './value-rules.js';

export interface CompiledMeter {
  meter: MeterDefinition;
  eventFrom: number | undefined;
  value: Accessor | undefined;
  dims: Accessor[];
}

/** Why one meter cannot use one event's value. */
export interface ValueProblem {
  /** The meter's slug. */
  meter: string;
  /** The meter's value property (a JSONPath into data). */
  field: string;
  reason: ValueProblemReason;
  message: string;
}

export interface Extraction {
  /** Stored even with a problem (value null): the dimensions still hold, and COUNT-like reads
   * of the row stay consistent with a backfill. */
  row: MeterRow;
  problem?: ValueProblem;
}

export function compileMeter(meter: MeterDefinition): CompiledMeter {
  return {
    meter,
    eventFrom: meter.eventFrom ? Date.parse(meter.eventFrom) : undefined,
    value: meter.valueProperty ? compilePathAccessor(meter.valueProperty) : undefined,
    dims: meter.dimensions.map(([, path]) => compilePathAccessor(path)),
  };
}

/** The meter row of one event and any problem with its value; undefined when the meter does not
 * cover the event (before the meter's eventFrom). */
export function extract(cm: CompiledMeter, time: number, data: unknown): Extraction | undefined {
  if (cm.eventFrom !== undefined && time < cm.eventFrom) return undefined;
  const agg = cm.meter.aggregation;
  // Sized up front: rows are kept until the store has them, and an array grown by push keeps
  // room for 17 entries.
  const dims = new Array<string | null>(cm.dims.length);
  for (let i = 0; i < dims.length; i++) dims[i] = dimensionText((cm.dims[i] as Accessor)(data));
  if (agg === 'COUNT') return { row: { meterId: cm.meter.id, value: 1, valueText: null, dims } };
  const raw = cm.value ? cm.value(data) : undefined;
  let row: MeterRow;
  let reason: ValueProblemReason | undefined;
  if (agg === 'UNIQUE_COUNT') {
    if (typeof raw === 'string' && !SURROGATE.test(raw)) {
      return { row: { meterId: cm.meter.id, value: null, valueText: raw, dims } };
    }
    const judged = distinctValue(raw);
    row = { meterId: cm.meter.id, value: null, valueText: judged.value, dims };
    reason = judged.reason;
  } else {
    // numericValue's answer for the common case, without its intermediate object.
    if (typeof raw === 'number' && Math.abs(raw) <= MAX_METER_VALUE) {
      return { row: { meterId: cm.meter.id, value: raw, valueText: null, dims } };
    }
    const judged = numericValue(raw);
    row = { meterId: cm.meter.id, value: judged.value, valueText: null, dims };
    reason = judged.reason;
  }
  if (reason === undefined) return { row };
  const field = cm.meter.valueProperty ?? '';
  return {
    row,
    problem: {
      meter: cm.meter.slug,
      field,
      reason,
      message: describeValueProblem(cm.meter.slug, field, reason),
    },
  };
}

// Any surrogate code unit at all: only then can scalarText have a lone one to replace.
const SURROGATE = /[\uD800-\uDFFF]/;

/** scalarText, without its replacing pass over the common string that has nothing to replace. */
function dimensionText(v: unknown): string | null {
  return typeof v === 'string' && !SURROGATE.test(v) ? v : scalarText(v);
}

/** The meter row of one event, or undefined when the meter does not cover the event. */
export function extractRow(cm: CompiledMeter, time: number, data: unknown): MeterRow | undefined {
  return extract(cm, time, data)?.row;
}

/** Every problem the account's meters for this event type have with one event's data. */
export function valueProblems(
  meters: readonly CompiledMeter[],
  time: number,
  data: unknown,
): ValueProblem[] {
  const out: ValueProblem[] = [];
  for (const cm of meters) {
    const problem = extract(cm, time, data)?.problem;
    if (problem) out.push(problem);
  }
  return out;
}
