// The cost check of a per-subject query grouped by a dimension: the rollup (which keeps no
// subject) answers an upper bound of its groups from 15-minute rows, and when that bound is small
// enough for the query's budget the raw rows are not read for the estimate at all; when it is
// not, the raw estimate decides, so a query that fits is never refused because of the bound.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupEstimateQuery } from '../../src/query/planned-query.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import { domainOver } from '../behaviour/domain.js';

const DAY = Date.UTC(2025, 5, 2);
const PROJECTS = 42;

describe('group estimate of a per-subject query', () => {
  let store: DuckDbStore;
  let q: GroupEstimateQuery;

  beforeAll(async () => {
    store = await DuckDbStore.open({ dataDir: mkdtempSync(join(tmpdir(), 'tally-bound-')) });
    const d = domainOver(store);
    const account = (await d.keys.createAccount('bound')).id;
    const meter = await d.meters.create(account, {
      slug: 'calls',
      aggregation: 'COUNT',
      eventType: 'call',
      groupBy: { project: '$.project' },
    });
    // Subject "one" uses 2 projects; the others use all 42 between them.
    const events = Array.from({ length: 840 }, (_, i) => ({
      value: {
        id: `e${i}`,
        source: 'bound',
        specversion: '1.0',
        type: 'call',
        subject: i % 10 === 0 ? 'one' : `other-${i % 7}`,
        time: new Date(DAY + i * 60_000).toISOString(),
        data: { project: i % 10 === 0 ? `p${(i / 10) % 2}` : `p${i % PROJECTS}` },
      },
    }));
    await d.ingest.ingest(account, events);
    q = {
      accountId: account,
      meterId: meter.id,
      from: DAY,
      to: DAY + 86_400_000,
      groupBy: [{ kind: 'dim', slot: 0 }],
      filter: { op: 'in', dim: { kind: 'subject' }, values: ['one'] },
    };
  });

  afterAll(async () => {
    await store.close();
  });

  it('answers the rollup bound when it fits, without the raw estimate', async () => {
    const reads = store.rollupStats().reads;
    const bound = await store.estimateGroups({ ...q, enough: 100 });
    expect(bound).toBeGreaterThanOrEqual(PROJECTS * 0.9);
    expect(bound).toBeLessThanOrEqual(PROJECTS * 1.1);
    expect(store.rollupStats().reads).toBe(reads + 1);
  });

  it('falls back to the estimate of the subject own rows when the bound does not fit', async () => {
    expect(await store.estimateGroups({ ...q, enough: 10 })).toBe(2);
    expect(await store.estimateGroups(q)).toBe(2);
  });
});
