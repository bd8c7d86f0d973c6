// Which windows a correction changes: per meter, the UTC days holding the events it voids or
// adds. A day is the finest window every query range is built from (15-minute and hour windows
// fall inside it, and every zone's day overlaps at most two UTC days), so it tells a reader of an
// invoice whether that invoice's period moved.
import type { StoredEvent } from '../ingest/stored-event.js';
import type { MeterDefinition } from '../meter/meter-definition.js';

const DAY_MS = 86_400_000;

export interface ChangedWindow {
  meter: string;
  from: string;
  to: string;
  events: number;
}

export function changedWindows(
  events: readonly StoredEvent[],
  meters: readonly MeterDefinition[],
): ChangedWindow[] {
  const counts = new Map<string, { meter: string; day: number; events: number }>();
  for (const e of events) {
    const day = Math.floor(e.time / DAY_MS);
    for (const m of meters) {
      if (m.eventType !== e.type) continue;
      if (m.eventFrom !== undefined && e.time < Date.parse(m.eventFrom)) continue;
      const key = `${m.slug}\u0000${day}`;
      const c = counts.get(key) ?? { meter: m.slug, day, events: 0 };
      c.events++;
      counts.set(key, c);
    }
  }
  return [...counts.values()]
    .sort((a, b) => (a.meter < b.meter ? -1 : a.meter > b.meter ? 1 : a.day - b.day))
    .map((c) => ({
      meter: c.meter,
      from: new Date(c.day * DAY_MS).toISOString(),
      to: new Date((c.day + 1) * DAY_MS).toISOString(),
      events: c.events,
    }));
}
