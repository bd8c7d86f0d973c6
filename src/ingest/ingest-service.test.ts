// The ingest service judges each event alone: whatever one event makes throw (here a getter, as
// an in-process caller such as the demo seeder could pass) is that event's rejection, not the
// batch's failure.

import { describe, expect, it } from 'vitest';
import type { MeterService } from '../meter/meter-service.js';
import type { EventWriter } from '../store/ports.js';
import { IngestService } from './ingest-service.js';
import type { IngestItem } from './stored-event.js';

function service() {
  const stored: IngestItem[] = [];
  const writer: EventWriter = {
    append: async (items) => {
      stored.push(...items);
      return { duplicates: [] };
    },
  };
  const meters = { metersFor: async () => new Map() } as unknown as MeterService;
  return { stored, ingest: new IngestService(writer, meters, { maxInFlightEvents: 1000 }) };
}

const event = (id: string, data: unknown) => ({ id, source: 's', type: 't', subject: 'x', data });

describe('IngestService', () => {
  it('an event whose inspection throws is rejected alone', async () => {
    const { stored, ingest } = service();
    const hostile = {
      get n(): number {
        throw new Error('boom');
      },
    };
    const summary = await ingest.ingest('acct', [
      { value: event('a', { n: 1 }) },
      { value: event('b', hostile) },
      { value: event('c', { n: 2 }) },
    ]);
    expect(summary.accepted).toBe(2);
    expect(summary.rejected).toEqual([
      { index: 1, id: 'b', reason: expect.stringMatching(/could not be processed: boom/) },
    ]);
    expect(stored.map((i) => i.event.id)).toEqual(['a', 'c']);
  });

  it('a caller bound to a subject writes only that subject', async () => {
    const { stored, ingest } = service();
    const summary = await ingest.ingest(
      'acct',
      [{ value: event('a', {}) }, { value: { ...event('b', {}), subject: 'other' } }],
      { boundSubject: 'x' },
    );
    expect(summary.rejected).toEqual([
      { index: 1, id: 'b', reason: expect.stringMatching(/bound to subject "x"/) },
    ]);
    expect(stored.map((i) => i.event.subject)).toEqual(['x']);
  });

  it('stores data as sent: an own "__proto__" key survives', async () => {
    const { stored, ingest } = service();
    const value = JSON.parse(
      '{"id":"p","source":"s","type":"t","subject":"x","data":{"__proto__":{"n":1},"m":2}}',
    );
    await ingest.ingest('acct', [{ value }]);
    expect(stored[0]?.event.data).toBe('{"__proto__":{"n":1},"m":2}');
  });
});
