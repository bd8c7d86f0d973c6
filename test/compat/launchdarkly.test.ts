// Conformance: every AccountUsageBetaApi method of the official launchdarkly-api-typescript
// 17.2.0 client, plus HTTP tests of the newer endpoints, against a live Tally. The client does
// not validate responses, so bodies are checked against the SeriesListRep schemas here.

import { AccountUsageBetaApi, Configuration } from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LD_EVENT_TYPES as T } from '../../src/api/compat/launchdarkly/event-shape.js';
import {
  ldErrorRep,
  sdkListRep,
  sdkVersionListRep,
  seriesListRep,
} from '../../src/api/compat/launchdarkly/schemas.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2024, 4, 6); // a Monday in May
const FROM = String(D0);
const TO = String(D0 + 3 * DAY);

const CONTEXTS = [
  { day: 0, key: 'u1', kind: 'user', sdkType: 'client', sdkName: 'js', category: 'browser' },
  { day: 0, key: 'u2', kind: 'user', sdkType: 'client', sdkName: 'js', category: 'browser' },
  {
    day: 0,
    key: 'o1',
    kind: 'organization',
    sdkType: 'server',
    sdkName: 'node',
    category: 'backend',
  },
  { day: 1, key: 'u1', kind: 'user', sdkType: 'client', sdkName: 'js', category: 'browser' },
  { day: 1, key: 'u3', kind: 'user', sdkType: 'server', sdkName: 'node', category: 'backend' },
  { day: 2, key: 'u4', kind: 'user', sdkType: 'client', sdkName: 'ios', category: 'mobile' },
];
const scope = {
  projectKey: 'default',
  projectId: 'p-1',
  environmentKey: 'production',
  environmentId: 'e-1',
};

let tally: Tally;
let api: AccountUsageBetaApi;

beforeAll(async () => {
  tally = await startTally(['launchdarkly']);
  api = new AccountUsageBetaApi(
    new Configuration({ apiKey: tally.secretKey, basePath: `${tally.origin}/compat/launchdarkly` }),
  );
  const at = (day: number) => D0 + day * DAY + 3_600_000;
  await tally.send([
    ...CONTEXTS.map((c) =>
      cloudEvent(T.context, 'acme', at(c.day), {
        ...scope,
        contextKey: c.key,
        contextKind: c.kind,
        anonymous: 'false',
        sdkName: c.sdkName,
        sdkType: c.sdkType,
        sdkVersion: '1.0.0',
        category: c.category,
      }),
    ),
    cloudEvent(T.evaluation, 'acme', at(0), { ...scope, flagKey: 'f', variation: '0', count: 10 }),
    cloudEvent(T.evaluation, 'acme', at(1), { ...scope, flagKey: 'f', variation: '1', count: 4 }),
    cloudEvent(T.events, 'acme', at(0), { direction: 'received', count: 100 }),
    cloudEvent(T.events, 'acme', at(0), { direction: 'published', count: 7 }),
    cloudEvent(T.dataExport, 'acme', at(0), { ...scope, eventKind: 'custom', count: 30 }),
    cloudEvent(T.dataExport, 'acme', at(1), { ...scope, eventKind: 'feature', count: 12 }),
    cloudEvent(T.experimentationExposure, 'acme', at(0), {
      ...scope,
      experimentId: 'x',
      contextKey: 'u1',
    }),
    cloudEvent(T.experimentationExposure, 'acme', at(1), {
      ...scope,
      experimentId: 'x',
      contextKey: 'u1',
    }),
    cloudEvent(T.experimentationExposure, 'acme', at(1), {
      ...scope,
      experimentId: 'x',
      contextKey: 'u2',
    }),
    cloudEvent(T.experimentationEvent, 'acme', at(0), {
      ...scope,
      eventKey: 'buy',
      eventKind: 'custom',
      count: 5,
    }),
    cloudEvent(T.serviceConnection, 'acme', at(0), {
      ...scope,
      connectionType: 'direct',
      sdkName: 'node',
      sdkType: 'server',
      minutes: 90.5,
    }),
    cloudEvent(T.streamConnection, 'acme', at(0), {
      source: 'server',
      sdk: 'node',
      version: '9.0.0',
    }),
    cloudEvent(T.streamConnection, 'acme', at(1), {
      source: 'server',
      sdk: 'go',
      version: '7.1.0',
    }),
    cloudEvent(T.streamConnection, 'acme', Date.now() - 3_600_000, {
      source: 'server',
      sdk: 'go',
      version: '7.1.0',
    }),
    cloudEvent(T.observability, 'acme', at(0), { projectKey: 'default', kind: 'errors', count: 3 }),
    cloudEvent(T.vega, 'acme', at(2), { projectKey: 'default', count: 8 }),
  ]);
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

/** Sum of series i over all points. */
const total = (body: unknown, i = '0') =>
  seriesListRep.parse(body).series.reduce((s, p) => s + (p[i] ?? 0), 0);

describe('launchdarkly-api-typescript 17.2.0 AccountUsageBetaApi', () => {
  it('getMauUsage: daily incremental distinct users, grouped by sdk', async () => {
    const { data } = await api.getMauUsage(
      FROM,
      TO,
      'default',
      'production',
      undefined,
      undefined,
      undefined,
      'sdk',
      'daily_incremental',
    );
    const body = seriesListRep.parse(data);
    const sdks = body.metadata.map((m) => m.sdk);
    expect(sdks).toEqual(['ios', 'js', 'node']);
    // Per day: distinct users (primary kind) per sdk.
    const perDay = [0, 1, 2].map((d) =>
      sdks.map(
        (sdk) =>
          new Set(
            CONTEXTS.filter((c) => c.day === d && c.kind === 'user' && c.sdkName === sdk).map(
              (c) => c.key,
            ),
          ).size,
      ),
    );
    expect(body.series.map((p) => sdks.map((_, i) => p[String(i)]))).toEqual(perDay);
    const rolling = await api.getMauUsage(FROM, TO);
    const last = seriesListRep.parse(rolling.data).series.at(-1);
    expect(last?.['0']).toBe(
      new Set(CONTEXTS.filter((c) => c.kind === 'user').map((c) => c.key)).size,
    );
  });

  it('getMauUsageByCategory and getMauSdksByType', async () => {
    const { data } = await api.getMauUsageByCategory(FROM, TO);
    const body = seriesListRep.parse(data);
    expect(body.metadata.map((m) => m.category)).toEqual(['backend', 'browser', 'mobile']);
    expect(body.series.at(-1)).toMatchObject({ '0': 1, '1': 2, '2': 1 });
    const sdks = sdkListRep.parse((await api.getMauSdksByType(FROM, TO, 'client')).data);
    expect(sdks.sdks).toEqual(['ios', 'js']);
  });

  it('getEvaluationsUsage: one series per variation, daily for old data', async () => {
    const { data } = await api.getEvaluationsUsage('default', 'production', 'f', FROM, TO, 'UTC');
    const body = seriesListRep.parse(data);
    expect(body.metadata.map((m) => m.variation)).toEqual(['0', '1']);
    expect(total(body, '0')).toBe(10);
    expect(total(body, '1')).toBe(4);
    // Granularity follows the age of the data, not the length of the range: six hours of 2024
    // are one daily point, not six hourly ones.
    const short = await api.getEvaluationsUsage(
      'default',
      'production',
      'f',
      String(D0),
      String(D0 + 6 * 3_600_000),
    );
    const shortBody = seriesListRep.parse(short.data);
    expect(shortBody.metadata.map((m) => m.variation)).toEqual(['0']);
    expect(shortBody.series).toEqual([{ time: D0, '0': 10 }]);
  });

  it('getEventsUsage received and published', async () => {
    expect(total((await api.getEventsUsage('received', FROM, TO)).data)).toBe(100);
    expect(total((await api.getEventsUsage('published', FROM, TO)).data)).toBe(7);
  });

  it('17.2.0 interval endpoints read `value` (Unix seconds accepted)', async () => {
    const s = (ms: number) => String(Math.floor(ms / 1000));
    const dataExport = await api.getDataExportEventsUsage(
      s(D0),
      s(D0 + 3 * DAY),
      'default',
      'production',
    );
    // month_to_date by default: the last point is the running total.
    expect(dataExport.data.series.at(-1)?.value).toBe(42);
    const keys = await api.getExperimentationKeysUsage(s(D0), s(D0 + 3 * DAY));
    expect(keys.data.series.at(-1)?.value).toBe(2);
    const units = await api.getExperimentationUnitsUsage(s(D0), s(D0 + 3 * DAY));
    expect(units.data.series.at(-1)?.value).toBe(2);
    const sc = await api.getServiceConnectionUsage(s(D0), s(D0 + 3 * DAY));
    expect(sc.data.series.at(-1)?.value).toBe(90.5);
  });

  it('getStreamUsage, getStreamUsageBySdkVersion, getStreamUsageSdkversion', async () => {
    expect(total((await api.getStreamUsage('server', FROM, TO, 'America/New_York')).data)).toBe(2);
    const by = seriesListRep.parse(
      (await api.getStreamUsageBySdkVersion('server', FROM, TO, 'UTC', 'go')).data,
    );
    expect(by.metadata).toEqual([{ source: 'server', sdk: 'go', version: '7.1.0' }]);
    const versions = sdkVersionListRep.parse((await api.getStreamUsageSdkversion('server')).data);
    expect(versions.sdkVersions).toEqual([{ sdk: 'go', version: '7.1.0' }]);
  });

  it('errors: 401 without a valid raw key, 400 for bad parameters', async () => {
    const bad = new AccountUsageBetaApi(
      new Configuration({ apiKey: 'nope', basePath: `${tally.origin}/compat/launchdarkly` }),
    );
    await expect(bad.getMauUsage()).rejects.toMatchObject({ response: { status: 401 } });
    await expect(api.getMauUsage(FROM, TO, undefined, 'production')).rejects.toMatchObject({
      response: { status: 400 },
    });
    await expect(api.getEventsUsage('lost', FROM, TO)).rejects.toMatchObject({
      response: { status: 400 },
    });
    const tooLong = await api
      .getMauUsage(FROM, String(D0 + 400 * DAY))
      .catch((e: { response: { status: number; data: unknown } }) => e.response);
    expect(tooLong.status).toBe(400);
    expect(ldErrorRep.parse(tooLong.data).code).toBe('invalid_request');
  });
});

describe('newer LaunchDarkly endpoints over HTTP', () => {
  const get = async (path: string) => {
    const res = await fetch(`${tally.origin}/compat/launchdarkly/api/v2/usage${path}`, {
      headers: { authorization: tally.secretKey },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('contexts: always grouped by contextKind, incremental per day', async () => {
    const { body } = await get(`/total-contexts?from=${FROM}&to=${TO}&aggregationType=incremental`);
    const rep = seriesListRep.parse(body);
    expect(rep.metadata.map((m) => m.contextKind)).toEqual(['organization', 'user']);
    expect(rep.series.map((p) => [p['0'], p['1']])).toEqual([
      [1, 2],
      [0, 2],
      [0, 1],
    ]);
    const client = seriesListRep.parse(
      (await get(`/clientside-contexts?from=${FROM}&to=${TO}&aggregationType=incremental`)).body,
    );
    expect(client.series.map((p) => p['0'])).toEqual([2, 1, 1]);
    const server = seriesListRep.parse(
      (await get(`/serverside-contexts?from=${D0 / 1000}&to=${D0 / 1000 + 3 * 86400}`)).body,
    );
    expect(server.metadata.length).toBe(2);
  });

  it('MAU clientside/total: month to date and monthly', async () => {
    const mtd = seriesListRep.parse((await get(`/total-mau?from=${FROM}&to=${TO}`)).body);
    expect(mtd.series.map((p) => p['0'])).toEqual([2, 3, 4]);
    const monthly = seriesListRep.parse(
      (await get(`/clientside-mau?from=${FROM}&to=${TO}&granularity=monthly`)).body,
    );
    expect(monthly.series.map((p) => p['0'])).toEqual([3]);
    const bad = await get(
      `/clientside-mau?from=${FROM}&to=${TO}&granularity=monthly&aggregationType=incremental`,
    );
    expect(bad.status).toBe(400);
  });

  it('experimentation events, observability and Vega AI', async () => {
    expect(
      total(
        (
          await get(
            `/experimentation-events?from=${FROM}&to=${TO}&aggregationType=incremental&groupBy=eventKey`,
          )
        ).body,
      ),
    ).toBe(5);
    const obs = seriesListRep.parse(
      (
        await get(
          `/observability/errors?from=${D0 / 1000}&to=${D0 / 1000 + 3 * 86400}&aggregationType=incremental`,
        )
      ).body,
    );
    expect(obs.series.reduce((s, p) => s + (p['0'] ?? 0), 0)).toBe(3);
    for (const k of ['logs', 'metrics', 'sessions', 'traces']) {
      expect((await get(`/observability/${k}?from=${FROM}&to=${TO}`)).status).toBe(200);
    }
    const vega = seriesListRep.parse((await get(`/vega-ai?from=${FROM}&to=${TO}`)).body);
    expect(vega.series.at(-1)?.['0']).toBe(8);
  });

  it('environmentKey needs exactly one projectKey; unknown groupBy is rejected', async () => {
    const r = await get(`/total-contexts?environmentKey=production`);
    expect(r.status).toBe(400);
    expect(ldErrorRep.parse(r.body).code).toBe('invalid_request');
    expect((await get(`/total-contexts?groupBy=color`)).status).toBe(400);
    expect(
      (await get(`/service-connections?from=${FROM}&to=${TO}&groupBy=connectionType`)).status,
    ).toBe(200);
  });
});
