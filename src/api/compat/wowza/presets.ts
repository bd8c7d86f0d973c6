// Preset meters of the Wowza-compatible profile, derived from the entity table.

import type { MeterInput } from '../profile.js';
import {
  attributesMeter,
  ENTITY_KINDS,
  STORAGE_LEVEL_METER,
  STORAGE_METER,
  sumMeter,
  viewersMeter,
} from './entities.js';
import { WOWZA_EVENT_TYPES } from './event-shape.js';

const metadata = { profile: 'wowza' };

export const wowzaPresets: MeterInput[] = [
  ...ENTITY_KINDS.flatMap((k): MeterInput[] => [
    ...k.sums.map(
      (field): MeterInput => ({
        slug: sumMeter(k, field),
        name: `Wowza ${k.single.replaceAll('_', ' ')} ${field.replaceAll('_', ' ')}`,
        aggregation: 'SUM',
        eventType: k.eventType,
        valueProperty: `$.${field}`,
        groupBy: { id: '$.id' },
        metadata,
      }),
    ),
    ...(k.avgViewing
      ? [
          {
            slug: viewersMeter(k),
            name: `Wowza ${k.single.replaceAll('_', ' ')} viewers`,
            aggregation: 'UNIQUE_COUNT' as const,
            eventType: k.eventType,
            valueProperty: '$.viewerId',
            groupBy: { id: '$.id' },
            metadata,
          },
        ]
      : []),
    {
      slug: attributesMeter(k),
      name: `Wowza ${k.single.replaceAll('_', ' ')} attributes`,
      description: 'Events per entity and attribute values; the latest hour tells current values.',
      aggregation: 'COUNT',
      eventType: k.eventType,
      groupBy: Object.fromEntries([['id', '$.id'], ...k.attributes.map((a) => [a, `$.${a}`])]),
      metadata,
    },
  ]),
  {
    slug: STORAGE_METER,
    name: 'Wowza stored bytes (peak)',
    aggregation: 'MAX',
    eventType: WOWZA_EVENT_TYPES.storage,
    valueProperty: '$.bytes',
    metadata,
  },
  {
    slug: STORAGE_LEVEL_METER,
    name: 'Wowza stored bytes (latest sample)',
    description:
      'The level stored when a range starts: the last sample at or before it, however old.',
    aggregation: 'LATEST',
    eventType: WOWZA_EVENT_TYPES.storage,
    valueProperty: '$.bytes',
    metadata,
  },
];
