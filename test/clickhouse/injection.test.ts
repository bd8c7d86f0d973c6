// Hostile strings through every free-text input must round-trip as data on a real server: the
// quoting function is the only barrier between input and SQL text on 18.16.
import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../src/ingest/stored-event.js';
import type { BaseUsageQuery } from '../../src/query/planned-query.js';
import { skipClickHouse } from './servers.js';
import type { Topology } from './stores.js';
import { suiteStore } from './suite-store.js';

const skip = skipClickHouse();

const HOSTILE = [
  "'",
  "''",
  '\\',
  "\\'",
  "'; DROP TABLE events; --",
  "x' OR '1'='1",
  'nul\u0000byte',
  '\\0',
  '\\N',
  'tab\tnew\nline\r',
  'ünïcødé € 😀 \u2028',
  '%_%',
  '"double" `back`',
  '{"json": [1]}',
];

describe.skipIf(skip).each(['single', 'cluster'] as Topology[])(
  'hostile input (%s)',
  (topology) => {
    const suite = suiteStore(topology, 'tally_inj');

    it('round-trips through events, meter rows, filters, LIKE and metadata', async () => {
      const store = suite.store();
      const items: IngestItem[] = HOSTILE.map((h, i) => ({
        event: {
          accountId: `acc${h}`,
          id: `id${h}`,
          source: `src${h}`,
          type: `type${h}`,
          subject: `subj${h}`,
          time: 1_700_000_000_000 + i,
          ingestedAt: 1_700_000_000_000,
          data: JSON.stringify({ v: h }),
        },
        rows: [{ meterId: `meter${h}`, value: i, valueText: `val${h}`, dims: [`dim${h}`, h] }],
      }));
      expect((await store.append(items)).duplicates).toEqual([]);
      // Sending them again proves identity comparisons of hostile ids work too.
      expect((await store.append(items)).duplicates).toEqual(HOSTILE.map((_, i) => i));

      for (const [i, h] of HOSTILE.entries()) {
        const accountId = `acc${h}`;
        const meterId = `meter${h}`;
        const listed = await store.listEvents({
          accountId,
          idContains: h,
          subjectContains: h,
          subject: `subj${h}`,
          limit: 10,
        });
        expect(listed).toEqual([items[i]?.event]);

        const scanned: unknown[] = [];
        await store.scanEvents(accountId, `type${h}`, async (b) => {
          scanned.push(...b);
        });
        expect(scanned).toEqual([items[i]?.event]);

        const q: BaseUsageQuery = {
          accountId,
          meterId,
          from: 0,
          to: 2_000_000_000_000,
          bucket: { kind: 'all' },
          groupBy: [{ kind: 'subject' }, { kind: 'dim', slot: 0 }, { kind: 'dim', slot: 1 }],
          filter: {
            op: 'and',
            children: [
              { op: 'eq', dim: { kind: 'dim', slot: 1 }, value: h },
              { op: 'in', dim: { kind: 'subject' }, values: [`subj${h}`, h] },
              { op: 'like', dim: { kind: 'dim', slot: 0 }, value: `dim${h}` },
              { op: 'ilike', dim: { kind: 'dim', slot: 0 }, value: `DIM${h}` },
              { op: 'nlike', dim: { kind: 'dim', slot: 1 }, value: `${h}x` },
              { op: 'nin', dim: { kind: 'dim', slot: 1 }, values: [`${h}x`] },
              { op: 'gte', dim: { kind: 'dim', slot: 1 }, value: h },
              { op: 'lte', dim: { kind: 'dim', slot: 1 }, value: h },
            ],
          },
        };
        const numeric = await store.aggregateNumeric(q);
        expect(numeric.map((r) => [r.keys, r.count, r.sum])).toEqual([
          [[`subj${h}`, `dim${h}`, h], 1, i],
        ]);
        const unique = await store.aggregateUnique(q);
        expect(unique.map((r) => r.uniques)).toEqual([1]);
        const values = await store.distinctValues({
          accountId,
          meterId,
          dim: { kind: 'dim', slot: 1 },
          from: 0,
          to: 2_000_000_000_000,
          limit: 10,
        });
        expect(values).toEqual([h]);
      }

      for (const h of HOSTILE) {
        await store.putAccount({ id: `acc${h}`, name: h, createdAt: h, profiles: [h] });
        await store.putKey({
          id: `key${h}`,
          accountId: `acc${h}`,
          kind: 'secret',
          hash: `hash${h}`,
          prefix: h,
          createdAt: h,
        });
        await store.putMeter({
          id: `meter${h}`,
          accountId: `acc${h}`,
          slug: h,
          name: h,
          aggregation: 'SUM',
          eventType: h,
          dimensions: [[h, `$.${h}`]],
          createdAt: h,
          updatedAt: h,
        });
      }
      for (const h of HOSTILE) {
        expect((await store.findKeyByHash(`hash${h}`))?.prefix).toBe(h);
        expect((await store.listKeys(`acc${h}`)).map((k) => k.id)).toEqual([`key${h}`]);
        expect((await store.listMeters(`acc${h}`)).map((m) => m.slug)).toEqual([h]);
      }
      expect((await store.listAccounts()).map((a) => a.name).sort()).toEqual([...HOSTILE].sort());
      // Nothing was dropped along the way.
      expect((await store.stats()).events).toBe(HOSTILE.length);
    });
  },
);
