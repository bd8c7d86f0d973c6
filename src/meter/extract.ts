// Extraction of meter values and dimensions from event data: done once per event at ingest (and
// again only when a meter is created or its dimensions change), never at query time.
import { type Accessor, compileJsonPath, toNumber, toText } from '../lib/json-path.js';
import type { MeterDefinition, MeterRow } from '../store/ports.js';

export interface CompiledMeter {
  meter: MeterDefinition;
  eventFrom: number | undefined;
  value: Accessor | undefined;
  dims: Accessor[];
}

export function compileMeter(meter: MeterDefinition): CompiledMeter {
  return {
    meter,
    eventFrom: meter.eventFrom ? Date.parse(meter.eventFrom) : undefined,
    value: meter.valueProperty ? compileJsonPath(meter.valueProperty) : undefined,
    dims: meter.dimensions.map(([, path]) => compileJsonPath(path)),
  };
}

/** The meter row of one event, or undefined when the meter does not cover the event. */
export function extractRow(cm: CompiledMeter, time: number, data: unknown): MeterRow | undefined {
  if (cm.eventFrom !== undefined && time < cm.eventFrom) return undefined;
  const agg = cm.meter.aggregation;
  const raw = cm.value ? cm.value(data) : undefined;
  return {
    meterId: cm.meter.id,
    value: agg === 'COUNT' ? 1 : agg === 'UNIQUE_COUNT' ? null : toNumber(raw),
    valueText: agg === 'UNIQUE_COUNT' ? toText(raw) : null,
    dims: cm.dims.map((d) => toText(d(data))),
  };
}

/** Why an event gives a meter no value (reported to the sender), or undefined when it does. */
export function extractionProblem(cm: CompiledMeter, row: MeterRow): string | undefined {
  const agg = cm.meter.aggregation;
  if (agg === 'COUNT') return undefined;
  if (agg === 'UNIQUE_COUNT' ? row.valueText === null : row.value === null) {
    return `meter ${cm.meter.slug}: ${cm.meter.valueProperty} is missing or not ${agg === 'UNIQUE_COUNT' ? 'a string or number' : 'a number'}`;
  }
  return undefined;
}
