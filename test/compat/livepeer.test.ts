// Conformance: the official `livepeer` client (every metrics.* operation) against a live Tally,
// with expected numbers computed here from the events the test sent.

import { Livepeer } from 'livepeer';
import {
  BreakdownBy,
  GetCreatorViewershipMetricsQueryParamBreakdownBy as CreatorBreakdown,
  QueryParamBreakdownBy,
  QueryParamTimeStep,
  TimeStep,
  GetUsageMetricsQueryParamBreakdownBy as UsageBreakdown,
  GetUsageMetricsQueryParamTimeStep as UsageTimeStep,
} from 'livepeer/models/operations/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVEPEER_EVENT_TYPES as T } from '../../src/api/compat/livepeer/event-shape.js';
import type { CloudEventInput } from '../../src/api/compat/profile.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2024, 0, 10);

interface Session {
  id: string;
  playbackId: string;
  creator: string;
  assetId?: string;
  streamId?: string;
  device: string;
  country: string;
  start: number;
  ttffMs?: number;
  beats: { playtimeMs: number; rebufferMs: number }[];
  errors: number;
}

const SESSIONS: Session[] = [
  {
    id: 's1',
    playbackId: 'pbA',
    creator: 'c1',
    assetId: 'asset-1',
    device: 'iPhone',
    country: 'US',
    start: D0 + 3_600_000,
    ttffMs: 400,
    beats: [
      { playtimeMs: 60_000, rebufferMs: 0 },
      { playtimeMs: 59_000, rebufferMs: 1_000 },
    ],
    errors: 0,
  },
  {
    id: 's2',
    playbackId: 'pbA',
    creator: 'c1',
    assetId: 'asset-1',
    device: 'PC',
    country: 'DE',
    start: D0 + 7_200_000,
    beats: [],
    errors: 0,
  },
  {
    id: 's3',
    playbackId: 'pbB',
    creator: 'c2',
    streamId: 'stream-2',
    device: 'PC',
    country: 'US',
    start: D0 + DAY + 600_000,
    ttffMs: 800,
    beats: [{ playtimeMs: 30_000, rebufferMs: 3_000 }],
    errors: 2,
  },
  {
    id: 's4',
    playbackId: 'pbA',
    creator: 'c1',
    assetId: 'asset-1',
    device: 'iPhone',
    country: 'US',
    start: D0 + DAY + 900_000,
    ttffMs: 300,
    beats: [{ playtimeMs: 45_000, rebufferMs: 0 }],
    errors: 0,
  },
];

function sessionEvents(s: Session): CloudEventInput[] {
  const dims = {
    sessionId: s.id,
    playbackId: s.playbackId,
    device: s.device,
    country: s.country,
    ...(s.assetId ? { assetId: s.assetId } : {}),
    ...(s.streamId ? { streamId: s.streamId } : {}),
  };
  const out = [cloudEvent(T.viewStarted, s.creator, s.start, dims)];
  if (s.ttffMs !== undefined) {
    out.push(
      cloudEvent(T.firstFrame, s.creator, s.start + s.ttffMs, { ...dims, ttffMs: s.ttffMs }),
    );
  }
  s.beats.forEach((b, i) => {
    out.push(cloudEvent(T.heartbeat, s.creator, s.start + (i + 1) * 60_000, { ...dims, ...b }));
  });
  for (let i = 0; i < s.errors; i++) {
    out.push(cloudEvent(T.viewError, s.creator, s.start + 5_000 + i, { ...dims, errorType: 'x' }));
  }
  return out;
}

/** The reference definitions from docs/compat/livepeer.md, computed directly over sessions. */
function reference(sessions: Session[]) {
  const views = sessions.length;
  const playtime = sessions.reduce((s, x) => s + x.beats.reduce((a, b) => a + b.playtimeMs, 0), 0);
  const rebuffer = sessions.reduce((s, x) => s + x.beats.reduce((a, b) => a + b.rebufferMs, 0), 0);
  const started = sessions.filter((s) => s.ttffMs !== undefined);
  return {
    viewCount: views,
    playtimeMins: playtime / 60_000,
    ttffMs: started.reduce((a, s) => a + (s.ttffMs ?? 0), 0) / started.length,
    rebufferRatio: rebuffer / (playtime + rebuffer),
    errorRate: sessions.filter((s) => s.errors > 0).length / views,
    exitsBeforeStart: (views - started.length) / views,
  };
}

let tally: Tally;
let lp: Livepeer;
const liveNow = Date.now();

beforeAll(async () => {
  tally = await startTally(['livepeer']);
  lp = new Livepeer({ apiKey: tally.secretKey, serverURL: `${tally.origin}/compat/livepeer/api` });
  const events = SESSIONS.flatMap(sessionEvents);
  // Two live viewers now (heartbeats within the last minute), one of them with an error.
  for (const [id, device] of [
    ['live1', 'iPhone'],
    ['live2', 'PC'],
  ] as const) {
    const dims = { sessionId: id, playbackId: 'pbLive', device, country: 'US' };
    events.push(
      cloudEvent(T.heartbeat, 'c1', liveNow - 20_000, {
        ...dims,
        playtimeMs: 10_000,
        rebufferMs: 0,
      }),
    );
  }
  events.push(
    cloudEvent(T.viewError, 'c1', liveNow - 15_000, {
      sessionId: 'live2',
      playbackId: 'pbLive',
      device: 'PC',
      country: 'US',
    }),
  );
  events.push(cloudEvent(T.transcode, 'c1', D0, { assetId: 'asset-1', minutes: 12.5 }));
  events.push(cloudEvent(T.transcode, 'c2', D0 + DAY, { streamId: 'stream-2', minutes: 30 }));
  events.push(cloudEvent(T.storage, 'c1', D0, { assetId: 'asset-1', deltaMins: 40 }));
  events.push(cloudEvent(T.storage, 'c1', D0 + DAY, { assetId: 'asset-1', deltaMins: -10 }));
  await tally.send(events);
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

const RANGE = { from: new Date(D0), to: D0 + 2 * DAY };

describe('livepeer metrics.* against Tally', () => {
  it('getViewership totals match the reference definitions', async () => {
    const res = await lp.metrics.getViewership(RANGE);
    expect(res.data).toHaveLength(1);
    const [m] = res.data ?? [];
    const ref = reference(SESSIONS);
    expect(m?.viewCount).toBe(ref.viewCount);
    expect(m?.playtimeMins).toBeCloseTo(ref.playtimeMins, 9);
    expect(m?.ttffMs).toBeCloseTo(ref.ttffMs, 9);
    expect(m?.rebufferRatio).toBeCloseTo(ref.rebufferRatio, 9);
    expect(m?.errorRate).toBeCloseTo(ref.errorRate, 9);
    expect(m?.exitsBeforeStart).toBeCloseTo(ref.exitsBeforeStart, 9);
  });

  it('getViewership by day and breakdown', async () => {
    const res = await lp.metrics.getViewership({
      ...RANGE,
      timeStep: TimeStep.Day,
      breakdownBy: [QueryParamBreakdownBy.PlaybackId, QueryParamBreakdownBy.CreatorId],
    });
    const got = (res.data ?? []).map((m) => [m.timestamp, m.playbackId, m.creatorId, m.viewCount]);
    const expected = new Map<string, number>();
    for (const s of SESSIONS) {
      const day = Math.floor(s.start / DAY) * DAY;
      const k = JSON.stringify([day, s.playbackId, s.creator]);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    expect(got.length).toBe(expected.size);
    for (const g of got) expect(expected.get(JSON.stringify(g.slice(0, 3)))).toBe(g[3]);
  });

  it('getViewership filters by playbackId with epoch-ms bounds and every breakdown value', async () => {
    const all = Object.values(QueryParamBreakdownBy);
    const res = await lp.metrics.getViewership({
      playbackId: 'pbA',
      from: D0,
      to: D0 + 2 * DAY,
      timeStep: TimeStep.Week,
      breakdownBy: all,
    });
    const total = (res.data ?? []).reduce((s, m) => s + m.viewCount, 0);
    expect(total).toBe(SESSIONS.filter((s) => s.playbackId === 'pbA').length);
    for (const step of [TimeStep.Hour, TimeStep.Month, TimeStep.Year]) {
      const r = await lp.metrics.getViewership({ ...RANGE, timeStep: step, creatorId: 'c2' });
      expect((r.data ?? []).reduce((s, m) => s + m.viewCount, 0)).toBe(1);
    }
  });

  it('getCreatorViewership needs assetId or streamId', async () => {
    const res = await lp.metrics.getCreatorViewership({
      ...RANGE,
      assetId: 'asset-1',
      timeStep: QueryParamTimeStep.Day,
      breakdownBy: [CreatorBreakdown.Device, CreatorBreakdown.Country],
    });
    const sessions = SESSIONS.filter((s) => s.assetId === 'asset-1');
    const views = (res.data ?? []).reduce((s, m) => s + m.viewCount, 0);
    expect(views).toBe(sessions.length);
    const byStream = await lp.metrics.getCreatorViewership({ streamId: 'stream-2', ...RANGE });
    expect(byStream.data?.[0]?.viewCount).toBe(1);
    expect(byStream.data?.[0]?.errorRate).toBe(1);
    await expect(lp.metrics.getCreatorViewership(RANGE)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('getRealtimeViewership counts viewers active in the last minute', async () => {
    const res = await lp.metrics.getRealtimeViewership();
    expect(res.data).toEqual([{ viewCount: 2, errorRate: 0.5 }]);
    const byDevice = await lp.metrics.getRealtimeViewership('pbLive', 'c1', [
      BreakdownBy.Device,
      BreakdownBy.PlaybackId,
      BreakdownBy.Browser,
      BreakdownBy.Country,
    ]);
    const rows = (byDevice.data ?? []).map((r) => [r.device, r.viewCount, r.errorRate]).sort();
    expect(rows).toEqual([
      ['PC', 1, 1],
      ['iPhone', 1, 0],
    ]);
  });

  it('getPublicViewership works with the secret key, a publishable key and no key', async () => {
    const expected = SESSIONS.filter((s) => s.playbackId === 'pbA');
    const playtime = expected.reduce(
      (s, x) => s + x.beats.reduce((a, b) => a + b.playtimeMs, 0),
      0,
    );
    const res = await lp.metrics.getPublicViewership('pbA');
    expect(res.data).toMatchObject({ playbackId: 'pbA', viewCount: expected.length });
    expect(res.data?.playtimeMins).toBeCloseTo(playtime / 60_000, 9);
    const pub = new Livepeer({
      apiKey: await tally.key('publishable'),
      serverURL: `${tally.origin}/compat/livepeer/api`,
    });
    expect((await pub.metrics.getPublicViewership('pbA')).data?.viewCount).toBe(expected.length);
    const anon = await fetch(`${tally.origin}/compat/livepeer/api/data/views/query/total/pbA`);
    expect(anon.status).toBe(200);
    expect(await anon.json()).toMatchObject({ viewCount: expected.length });
    // A private endpoint refuses the publishable key.
    await expect(pub.metrics.getViewership({})).rejects.toMatchObject({ statusCode: 403 });
  });

  it('getUsage answers PascalCase totals', async () => {
    const res = await lp.metrics.getUsage({
      from: D0,
      to: D0 + 2 * DAY,
      timeStep: UsageTimeStep.Day,
      creatorId: 'c1',
      breakdownBy: [UsageBreakdown.CreatorId],
    });
    const c1 = SESSIONS.filter((s) => s.creator === 'c1');
    const delivery =
      c1.reduce((s, x) => s + x.beats.reduce((a, b) => a + b.playtimeMs, 0), 0) / 60_000;
    expect(res.usageMetric?.creatorID).toBe('c1');
    expect(res.usageMetric?.deliveryUsageMins).toBeCloseTo(delivery, 9);
    expect(res.usageMetric?.totalUsageMins).toBe(12.5);
    expect(res.usageMetric?.storageUsageMins).toBe(30);
    const all = await lp.metrics.getUsage({});
    expect(all.usageMetric?.totalUsageMins).toBe(42.5);
  });

  it('bad parameters and keys get Livepeer error bodies', async () => {
    const base = `${tally.origin}/compat/livepeer/api`;
    const auth = { authorization: `Bearer ${tally.secretKey}` };
    const bad = await fetch(`${base}/data/views/query?timeStep=fortnight`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [expect.stringContaining('timeStep')] });
    const badFrom = await fetch(`${base}/data/views/query?from=yesterday`, { headers: auth });
    expect(badFrom.status).toBe(400);
    const noKey = await fetch(`${base}/data/views/query`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ errors: [expect.any(String)] });
    const wrong = await fetch(`${base}/data/usage/query`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });
});
