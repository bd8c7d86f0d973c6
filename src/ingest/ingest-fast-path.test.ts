// Candidates marked as JSON.parse output take the compiled fast path; others are judged by zod.
// Whatever the events, the two must store the same items and answer the same summary, rejection
// messages included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMeter } from '../meter/extract.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import type { MeterService } from '../meter/meter-service.js';
import type { EventWriter } from '../store/ports.js';
import { event, good, viaJson } from './event-arbitraries.js';
import { type Candidate, IngestService } from './ingest-service.js';
import type { IngestItem } from './stored-event.js';

const meter = (id: string, aggregation: MeterDefinition['aggregation'], value?: string) =>
  compileMeter({
    id,
    accountId: 'acct',
    slug: id,
    name: id,
    aggregation,
    eventType: 'any',
    ...(value ? { valueProperty: value } : {}),
    dimensions: [['k', '$.k']],
    createdAt: '',
    updatedAt: '',
  });
// Every event type has these meters, so that extraction runs on whatever type is generated.
const everyType = {
  get: () => [meter('sum', 'SUM', '$.v'), meter('users', 'UNIQUE_COUNT', '$.u')],
};

async function run(candidates: Candidate[], boundSubject: string | undefined) {
  const stored: IngestItem[] = [];
  const observed: unknown[] = [];
  const writer: EventWriter = {
    append: async (items) => {
      stored.push(...items);
      return { duplicates: [] };
    },
  };
  const meters = { metersFor: async () => everyType } as unknown as MeterService;
  const ingest = new IngestService(
    writer,
    meters,
    { maxInFlightEvents: 1_000_000 },
    (summary, counted) => observed.push({ summary, counted }),
    () => 1_750_000_000_000,
  );
  const summary = await ingest.ingest('acct', candidates, { boundSubject });
  return { summary, stored, observed };
}

const withData = good.chain((e) =>
  fc
    .record({ v: fc.jsonValue({ maxDepth: 1 }), u: fc.jsonValue({ maxDepth: 1 }), k: fc.string() })
    .map((d) => ({ ...e, data: d })),
);
const body = fc.array(fc.oneof(event, good, withData, fc.jsonValue({ maxDepth: 2 })), {
  maxLength: 8,
});

describe('IngestService fast path', () => {
  it('property: JSON candidates give what zod alone gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.option(fc.constantFrom('x', ''), { nil: undefined }),
        async (values, boundSubject) => {
          const texts = values.map((v) => JSON.stringify(viaJson(v) ?? null));
          const viaZod = texts.map((t): Candidate => ({ value: JSON.parse(t) }));
          const fast = texts.map((t): Candidate => ({ value: JSON.parse(t), json: true }));
          expect(await run(fast, boundSubject)).toStrictEqual(await run(viaZod, boundSubject));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
