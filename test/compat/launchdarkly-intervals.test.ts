// LaunchDarkly series whose points also carry `value` (for the 17.2.0 client's SeriesIntervalsRep)
// when the caller groups them: `value` is the ungrouped total of the window, which the engine
// computes; for distinct counts that is not the sum of the series. (The automatic granularity of
// the legacy endpoints is in launchdarkly-granularity.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LD_EVENT_TYPES as T } from '../../src/api/compat/launchdarkly/event-shape.js';
import { seriesListRep } from '../../src/api/compat/launchdarkly/schemas.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2024, 6, 1);
const scope = { projectKey: 'default', projectId: 'p-1', environmentKey: 'production' };

// Exposures: u1 in two environments, u2 in one. Distinct keys overall: 2; per environment: 1 and 2.
const EXPOSURES = [
  { env: 'e-1', key: 'u1' },
  { env: 'e-2', key: 'u1' },
  { env: 'e-2', key: 'u2' },
];
// Service connection minutes per SDK (a sum: the ungrouped total is the sum of the groups).
const CONNECTIONS = [
  { sdkName: 'node', minutes: 30.25 },
  { sdkName: 'go', minutes: 12.5 },
];

let tally: Tally;

beforeAll(async () => {
  tally = await startTally(['launchdarkly']);
  await tally.send([
    ...EXPOSURES.map((e) =>
      cloudEvent(T.experimentationExposure, 'acme', D0 + HOUR, {
        ...scope,
        environmentId: e.env,
        experimentId: 'x',
        contextKey: e.key,
      }),
    ),
    ...CONNECTIONS.map((c) =>
      cloudEvent(T.serviceConnection, 'acme', D0 + HOUR, {
        ...scope,
        environmentId: 'e-1',
        connectionType: 'direct',
        sdkType: 'server',
        ...c,
      }),
    ),
  ]);
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

async function get(path: string) {
  const res = await fetch(`${tally.origin}/compat/launchdarkly/api/v2/usage${path}`, {
    headers: { authorization: tally.secretKey },
  });
  expect(res.status).toBe(200);
  return seriesListRep.parse(await res.json());
}

const range = `from=${D0}&to=${D0 + DAY}`;

describe('SeriesIntervalsRep value with groupBy', () => {
  it('distinct keys: value counts a key seen in two environments once', async () => {
    const body = await get(
      `/experimentation-keys?${range}&groupBy=environmentId&aggregationType=incremental`,
    );
    expect(body.metadata.map((m) => m.environmentId)).toEqual(['e-1', 'e-2']);
    const point = body.series[0];
    expect([point?.['0'], point?.['1']]).toEqual([1, 2]);
    expect(point?.value).toBe(new Set(EXPOSURES.map((e) => e.key)).size);
  });

  it('summed minutes: value is the sum of the groups', async () => {
    const body = await get(
      `/service-connections?${range}&groupBy=sdkName&aggregationType=incremental`,
    );
    expect(body.metadata.map((m) => m.sdkName)).toEqual(['go', 'node']);
    expect(body.series[0]?.value).toBe(CONNECTIONS.reduce((s, c) => s + c.minutes, 0));
  });
});
