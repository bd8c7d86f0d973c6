// Preset meters of the Opper-compatible profile: the usual fields with the usual tags, extracted at
// ingest. A query whose field and tags a stored meter covers reads its rows; any other is read
// from the raw events (query/inline-meter.ts), so these only make the common queries fast.

import type { MeterInput } from '../profile.js';
import { OPPER_EVENT_TYPE, OPPER_PRESET_FIELDS, OPPER_TAGS } from './event-shape.js';

export const OPPER_COST_METER = 'opper_cost';

export const opperTagDimensions: Record<string, string> = Object.fromEntries(
  Object.values(OPPER_TAGS).map((t) => [t.dim, t.path]),
);

const fieldMeter = (field: string): MeterInput => ({
  slug: `opper_${field}`,
  name: `Opper ${field.replaceAll('_', ' ')}`,
  aggregation: 'SUM',
  eventType: OPPER_EVENT_TYPE,
  valueProperty: `$.event_metadata.${field}`,
  groupBy: opperTagDimensions,
  metadata: { profile: 'opper', field },
});

export const opperPresets: MeterInput[] = [
  { ...fieldMeter('cost'), slug: OPPER_COST_METER, name: 'Opper cost (USD)' },
  ...OPPER_PRESET_FIELDS.map(fieldMeter),
];
