// HTTP tests of the Wowza- and THEO-compatible endpoints (no official clients exist), with
// expected numbers computed here from the events sent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THEO_EVENT_TYPES as TH } from '../../src/api/compat/theo/event-shape.js';
import { analyticsResponse, theoErrorBody } from '../../src/api/compat/theo/schemas.js';
import { WOWZA_EVENT_TYPES as W } from '../../src/api/compat/wowza/event-shape.js';
import { accountUsage, wowzaErrorBody } from '../../src/api/compat/wowza/schemas.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 0, 1);
const H = 3_600_000;

const VIEWS = [
  { id: 't1', viewer: 'a', s: 100, b: 1000, at: D0 + H },
  { id: 't1', viewer: 'b', s: 300, b: 3000, at: D0 + 2 * H },
  { id: 't2', viewer: 'a', s: 50, b: 500, at: D0 + DAY + H },
  { id: 't3', viewer: 'c', s: 10, b: 100, at: D0 + DAY + 2 * H },
];

let tally: Tally;

beforeAll(async () => {
  tally = await startTally(['wowza', 'theo']);
  await tally.send([
    ...VIEWS.map((v) =>
      cloudEvent(W.streamTarget, 'x', v.at, {
        id: v.id,
        name: `Target ${v.id}`,
        archived: v.id === 't3' ? 'true' : 'false',
        type: 'fastly',
        viewerId: v.viewer,
        viewing_seconds: v.s,
        viewing_bytes: v.b,
      }),
    ),
    cloudEvent(W.streamTarget, 'x', D0 + 3 * H, {
      id: 't1',
      name: 'Renamed',
      archived: 'false',
      type: 'fastly',
      viewerId: 'a',
      viewing_seconds: 0,
      viewing_bytes: 0,
    }),
    cloudEvent(W.transcoder, 'x', D0 + H, {
      id: 'tc1',
      name: 'RTMP',
      archived: 'false',
      transcoder_type: 'transcoded',
      billing_mode: 'pay_as_you_go',
      egress_seconds: 3600,
      egress_bytes: 1e9,
      egress_seconds_additional_targets: 60,
    }),
    cloudEvent(W.realTimeStream, 'x', D0 + H, { id: 'r1', name: 'RT', bytes_in: 5, bytes_out: 7 }),
    cloudEvent(W.storage, 'x', D0, { bytes: 100 }),
    cloudEvent(W.storage, 'x', D0 + DAY, { bytes: 250 }),
    cloudEvent(W.storage, 'x', D0 + 2 * DAY, { bytes: 200 }),
    cloudEvent(W.vodStream, 'x', D0 + H, {
      id: 'v1',
      name: 'VOD',
      archived: 'false',
      type: 'fastly',
      viewerId: 'a',
      viewing_seconds: 40,
      viewing_bytes: 400,
    }),
    cloudEvent(TH.viewing, 'x', D0 + H, {
      channelId: 'ch1',
      distributionId: 'd1',
      streamingFormat: 'hls',
      viewingMinutes: 10,
      bytes: 1000,
    }),
    cloudEvent(TH.viewing, 'x', D0 + 2 * H, {
      channelId: 'ch1',
      distributionId: 'd2',
      streamingFormat: 'dash',
      viewingMinutes: 5.5,
      bytes: 300,
    }),
    cloudEvent(TH.viewing, 'x', D0 + DAY + H, {
      channelId: 'ch1',
      distributionId: 'd1',
      streamingFormat: 'hls',
      viewingMinutes: 2,
      bytes: 50,
    }),
    cloudEvent(TH.viewing, 'x', D0 + H, {
      channelId: 'ch2',
      distributionId: 'd9',
      streamingFormat: 'hls',
      viewingMinutes: 99,
      bytes: 9,
    }),
    cloudEvent(TH.transcoding, 'x', D0 + H, { channelId: 'ch1', engineId: 'e1', minutes: 60 }),
    cloudEvent(TH.transcoding, 'x', D0 + DAY, { channelId: 'ch1', engineId: 'e2', minutes: 30 }),
  ]);
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

const wowza = async (path: string, key = tally.secretKey) => {
  const res = await fetch(`${tally.origin}/compat/wowza/api/v1.11${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, text: await res.text() };
};
const RANGE = '?from=2025-01-01&to=2025-01-05';

describe('Wowza-compatible usage', () => {
  it('account totals, avg viewing seconds and trend', async () => {
    const r = await wowza(`/usage/account${RANGE}`);
    expect(r.status, r.text).toBe(200);
    const body = accountUsage.parse(JSON.parse(r.text));
    const seconds = VIEWS.reduce((s, v) => s + v.s, 0);
    const viewers = new Set([...VIEWS.map((v) => v.viewer)]).size;
    expect(body.accounts.viewing_seconds).toBe(seconds);
    expect(body.accounts.avg_viewing_seconds).toBe(Math.round(seconds / viewers));
    expect(body.accounts.egress_bytes).toBe(1e9);
    expect(body.accounts.trend).toHaveLength(4);
    expect(body.limits).toEqual({
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-05T00:00:00.000Z',
    });
  });

  it('stream targets: latest attributes, pagination with next_page_key, one target', async () => {
    const r = await wowza(`/usage/stream_targets${RANGE}&per_page=2`);
    expect(r.text).toContain('"payload_version":2.0');
    const body = JSON.parse(r.text);
    expect(body.stream_targets.map((t: { id: string }) => t.id)).toEqual(['t1', 't2']);
    expect(body.stream_targets[0]).toEqual({
      id: 't1',
      name: 'Renamed',
      archived: false,
      type: 'fastly',
      viewing_seconds: 400,
      avg_viewing_seconds: 200,
      viewing_bytes: 4000,
    });
    expect(body.pagination).toEqual({
      payload_version: 2,
      total_records: 3,
      per_page: 2,
      next_page_key: 't3',
      total_pages: 2,
    });
    const next = JSON.parse(
      (await wowza(`/usage/stream_targets${RANGE}&per_page=2&next_page_key=t3`)).text,
    );
    expect(next.stream_targets).toMatchObject([{ id: 't3', archived: true }]);
    const one = JSON.parse((await wowza(`/usage/stream_targets/t2${RANGE}`)).text);
    expect(one.stream_target).toMatchObject({ id: 't2', viewing_seconds: 50 });
    expect((await wowza(`/usage/stream_targets/nope${RANGE}`)).status).toBe(404);
  });

  it('transcoders (page pagination, string seconds), real-time streams, VOD, peak storage', async () => {
    const tc = JSON.parse((await wowza(`/usage/transcoders${RANGE}&page=1&per_page=1`)).text);
    expect(tc.transcoders[0]).toEqual({
      id: 'tc1',
      name: 'RTMP',
      archived: false,
      transcoder_type: 'transcoded',
      billing_mode: 'pay_as_you_go',
      egress_bytes: 1e9,
      egress_seconds: '3600',
      egress_seconds_additional_targets: '60',
    });
    expect(tc.pagination).toMatchObject({ page: 1, total_records: 1 });
    expect(JSON.parse((await wowza(`/usage/transcoders/tc1${RANGE}`)).text).transcoder.id).toBe(
      'tc1',
    );
    expect(
      JSON.parse((await wowza(`/usage/real_time_streams${RANGE}`)).text).real_time_streams,
    ).toEqual([{ id: 'r1', name: 'RT', bytes_in: 5, bytes_out: 7 }]);
    expect(
      JSON.parse((await wowza(`/usage/vod_streams${RANGE}`)).text).vod_streams[0],
    ).toMatchObject({ id: 'v1', viewing_seconds: 40 });
    expect(
      JSON.parse((await wowza(`/usage/vod_streams/v1${RANGE}`)).text).vod_stream.viewing_bytes,
    ).toBe(400);
    expect(
      JSON.parse((await wowza(`/usage/vod_streams/summary${RANGE}`)).text).summary,
    ).toMatchObject({ total_vod_streams: 1, viewing_seconds: 40 });
    expect(JSON.parse((await wowza(`/usage/storage/peak${RANGE}`)).text).bytes).toBe(250);
  });

  it('errors: 90-day limit, missing from, bad key', async () => {
    const long = await wowza('/usage/account?from=2025-01-01&to=2025-05-01');
    expect(long.status).toBe(400);
    expect(wowzaErrorBody.parse(JSON.parse(long.text)).meta.message).toContain('90 days');
    expect((await wowza('/usage/account')).status).toBe(400);
    const bad = await wowza(`/usage/account${RANGE}`, 'nope');
    expect(bad.status).toBe(401);
    expect(wowzaErrorBody.parse(JSON.parse(bad.text)).meta.status).toBe(401);
  });
});

describe('THEO-compatible analytics', () => {
  const theo = async (
    path: string,
    auth = `Basic ${Buffer.from(`${tally.secretKey}:`).toString('base64')}`,
  ) => {
    const res = await fetch(`${tally.origin}/compat/theo/v2/channels/ch1/analytics/${path}`, {
      headers: { authorization: auth },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('viewing minutes per day, one record per bucket for the channel', async () => {
    const { body } = await theo('viewing-minutes?start=2025-01-01&end=2025-01-03&resolution=day');
    expect(analyticsResponse.parse(body).data).toEqual([
      { timestamp: '2025-01-01T00:00:00.000Z', records: [{ id: 'ch1', amount: 15.5 }] },
      { timestamp: '2025-01-02T00:00:00.000Z', records: [{ id: 'ch1', amount: 2 }] },
      { timestamp: '2025-01-03T00:00:00.000Z', records: [{ id: 'ch1', amount: 0 }] },
    ]);
  });

  it('groupBy distribution, streaming-format filter, utcOffset, month and engine grouping', async () => {
    const byDist = analyticsResponse.parse(
      (
        await theo(
          'viewing-minutes?start=2025-01-01&end=2025-01-01&resolution=day&groupBy=distribution',
        )
      ).body,
    );
    expect(byDist.data[0]?.records).toEqual([
      { id: 'd1', amount: 10 },
      { id: 'd2', amount: 5.5 },
    ]);
    const hls = analyticsResponse.parse(
      (
        await theo(
          'bytes-transferred?start=2025-01-01&end=2025-01-31&resolution=month&streamingFormats=hls,webrtc',
        )
      ).body,
    );
    expect(hls.data[0]?.records).toEqual([{ id: 'ch1', amount: 1050 }]);
    const shifted = analyticsResponse.parse(
      (await theo('viewing-minutes?start=2025-01-01&end=2025-01-01&resolution=day&utcOffset=-120'))
        .body,
    );
    // Day 2025-01-01 at UTC-2 runs 02:00Z..02:00Z next day: the 01:00Z event falls outside,
    // the 01:00Z event of January 2nd inside.
    expect(shifted.data[0]).toEqual({
      timestamp: '2025-01-01T02:00:00.000Z',
      records: [{ id: 'ch1', amount: 7.5 }],
    });
    const engines = analyticsResponse.parse(
      (
        await theo(
          'transcoding-minutes?start=2025-01-01&end=2025-01-31&resolution=month&groupBy=engine',
        )
      ).body,
    );
    expect(engines.data[0]?.records).toEqual([
      { id: 'e1', amount: 60 },
      { id: 'e2', amount: 30 },
    ]);
    const filtered = analyticsResponse.parse(
      (
        await theo(
          'transcoding-minutes?start=2025-01-01&end=2025-01-02&resolution=hour&engineIds=e2',
        )
      ).body,
    );
    expect(filtered.data.reduce((s, d) => s + (d.records[0]?.amount ?? 0), 0)).toBe(30);
    const quarter = analyticsResponse.parse(
      (
        await theo(
          'viewing-minutes?start=2025-01-01T00:00:00Z&end=2025-01-01T03:00:00Z&resolution=15min',
          `Bearer ${tally.secretKey}`,
        )
      ).body,
    );
    expect(quarter.data).toHaveLength(12);
  });

  it('required parameters and bad values: 400 with a message; bad key 401', async () => {
    const missing = await theo('viewing-minutes?start=2025-01-01&end=2025-01-02');
    expect(missing.status).toBe(400);
    expect(theoErrorBody.parse(missing.body).message).toContain('resolution');
    expect(
      (await theo('viewing-minutes?start=2025-01-01&end=2025-01-02&resolution=week')).status,
    ).toBe(400);
    expect(
      (
        await theo(
          'bytes-transferred?start=2025-01-01&end=2025-01-02&resolution=day&groupBy=engine',
        )
      ).status,
    ).toBe(400);
    expect(
      (await theo('viewing-minutes?start=2025-01-01&end=2025-01-02&resolution=day', 'Bearer nope'))
        .status,
    ).toBe(401);
  });
});
