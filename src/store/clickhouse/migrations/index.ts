// The ordered migration list. Append only: an applied migration is never edited or reordered.
import type { Layout } from '../layout.js';
import { events } from './0001-events.js';
import { meterGens, meterRows } from './0002-meter-rows.js';
import { eventKeys } from './0003-event-keys.js';
import { metadata } from './0004-metadata.js';
import { fencedWrites } from './0005-fenced-writes.js';
import { records } from './0006-records.js';
import { eventVoids } from './0007-event-voids.js';

export interface Migration {
  version: number;
  name: string;
  /** Statements for one node (`perShard`) or for the whole cluster through ON CLUSTER. */
  statements(layout: Layout, perShard: boolean): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events', statements: events },
  {
    version: 2,
    name: 'meter_rows',
    statements: (l, p) => [...meterRows(l, p), ...meterGens(l, p)],
  },
  { version: 3, name: 'event_keys', statements: eventKeys },
  { version: 4, name: 'metadata', statements: metadata },
  { version: 5, name: 'fenced_writes', statements: fencedWrites },
  { version: 6, name: 'records', statements: records },
  { version: 7, name: 'event_voids', statements: eventVoids },
];
