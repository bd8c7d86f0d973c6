// Demo traffic for the Livepeer-compatible profile: a small video platform with a few creators,
// assets and live streams, and viewers on a mix of devices and countries, with an evening peak.
// A handful of sessions are still live when the demo is generated (heartbeats up to `now`) so that
// "viewers now" is not empty right after seeding. Nothing is dated after `now`: an event from the
// future would count in a window that has not happened yet.

import type { CloudEventInput, DemoOptions } from '../profile.js';
import { DAY_MS, type DemoRandom, demoRandom, diurnal, HOUR_MS } from '../shared/demo-random.js';
import { type PlayerEventData, LIVEPEER_EVENT_TYPES as T } from './event-shape.js';

const SOURCE = 'tally-demo/livepeer';
const HEARTBEAT_MS = 60_000;
const LIVE_TAIL_MS = 2 * HOUR_MS;

interface Playback {
  playbackId: string;
  creator: string;
  assetId?: string;
  streamId?: string;
  minutes: number;
}

const PLAYBACKS: Playback[] = [
  {
    playbackId: 'f5eese9wwl88k4g8',
    creator: 'creator-aurora',
    assetId: 'asset-aurora-1',
    minutes: 42,
  },
  {
    playbackId: 'a1b2c3d4e5f6g7h8',
    creator: 'creator-aurora',
    assetId: 'asset-aurora-2',
    minutes: 18,
  },
  {
    playbackId: 'k9j8h7g6f5d4s3a2',
    creator: 'creator-basil',
    streamId: 'stream-basil-live',
    minutes: 120,
  },
  {
    playbackId: 'q1w2e3r4t5y6u7i8',
    creator: 'creator-basil',
    assetId: 'asset-basil-1',
    minutes: 64,
  },
  {
    playbackId: 'z0x9c8v7b6n5m4l3',
    creator: 'creator-cobalt',
    assetId: 'asset-cobalt-1',
    minutes: 9,
  },
  {
    playbackId: 'p0o9i8u7y6t5r4e3',
    creator: 'creator-cobalt',
    streamId: 'stream-cobalt-live',
    minutes: 90,
  },
];

const CLIENTS = [
  {
    deviceType: 'mobile',
    device: 'iPhone',
    cpu: 'arm64',
    os: 'iOS',
    browser: 'Safari',
    browserEngine: 'WebKit',
  },
  {
    deviceType: 'mobile',
    device: 'Pixel 8',
    cpu: 'arm64',
    os: 'Android',
    browser: 'Chrome',
    browserEngine: 'Blink',
  },
  {
    deviceType: 'desktop',
    device: 'Mac',
    cpu: 'arm64',
    os: 'macOS',
    browser: 'Chrome',
    browserEngine: 'Blink',
  },
  {
    deviceType: 'desktop',
    device: 'PC',
    cpu: 'amd64',
    os: 'Windows',
    browser: 'Edge',
    browserEngine: 'Blink',
  },
  {
    deviceType: 'desktop',
    device: 'PC',
    cpu: 'amd64',
    os: 'Linux',
    browser: 'Firefox',
    browserEngine: 'Gecko',
  },
  {
    deviceType: 'tv',
    device: 'Smart TV',
    cpu: 'arm',
    os: 'Tizen',
    browser: 'Samsung Internet',
    browserEngine: 'Blink',
  },
] as const;

const PLACES = [
  {
    continent: 'North America',
    country: 'US',
    subdivision: 'CA',
    timezone: 'America/Los_Angeles',
    geohash: '9q8',
  },
  {
    continent: 'North America',
    country: 'US',
    subdivision: 'NY',
    timezone: 'America/New_York',
    geohash: 'dr5',
  },
  {
    continent: 'Europe',
    country: 'DE',
    subdivision: 'BE',
    timezone: 'Europe/Berlin',
    geohash: 'u33',
  },
  {
    continent: 'Europe',
    country: 'GB',
    subdivision: 'ENG',
    timezone: 'Europe/London',
    geohash: 'gcp',
  },
  {
    continent: 'South America',
    country: 'BR',
    subdivision: 'SP',
    timezone: 'America/Sao_Paulo',
    geohash: '6gy',
  },
  { continent: 'Asia', country: 'IN', subdivision: 'MH', timezone: 'Asia/Kolkata', geohash: 'te7' },
] as const;

function event(
  n: number,
  type: string,
  subject: string,
  time: number,
  data: Record<string, unknown>,
): CloudEventInput {
  return {
    id: `demo-livepeer-${n}`,
    source: SOURCE,
    specversion: '1.0',
    type,
    subject,
    time: new Date(time).toISOString(),
    data,
  };
}

function* session(
  rnd: DemoRandom,
  counter: { n: number },
  start: number,
  live: boolean,
): Generator<CloudEventInput> {
  const p = rnd.weighted(PLAYBACKS.map((pb, i) => [pb, 6 - i] as const));
  const base: PlayerEventData = {
    sessionId: `sess-${counter.n}-${rnd.int(1000, 9999)}`,
    playbackId: p.playbackId,
    viewerId: `viewer-${rnd.int(1, 400)}`,
    ...(p.assetId ? { assetId: p.assetId } : {}),
    ...(p.streamId ? { streamId: p.streamId } : {}),
    ...rnd.pick(CLIENTS),
    ...rnd.pick(PLACES),
  };
  yield event(counter.n++, T.viewStarted, p.creator, start, { ...base });
  // About 6% of views leave before the first frame.
  if (!live && rnd.chance(0.06)) return;
  const ttffMs = rnd.int(180, 900) + (rnd.chance(0.1) ? rnd.int(500, 3000) : 0);
  yield event(counter.n++, T.firstFrame, p.creator, start + ttffMs, { ...base, ttffMs });
  const watchMs = live ? LIVE_TAIL_MS : rnd.int(1, Math.max(2, p.minutes)) * 60_000;
  let t = start + ttffMs;
  const end = t + watchMs;
  const erroring = rnd.chance(0.03);
  while (t < end) {
    const step = Math.min(HEARTBEAT_MS, end - t);
    const rebufferMs = rnd.chance(0.15) ? rnd.int(200, 4000) : 0;
    t += step;
    yield event(counter.n++, T.heartbeat, p.creator, t, {
      ...base,
      playtimeMs: Math.max(0, step - rebufferMs),
      rebufferMs,
    });
    if (erroring && rnd.chance(0.2)) {
      yield event(counter.n++, T.viewError, p.creator, t, { ...base, errorType: 'network' });
    }
  }
}

export function* livepeerDemoEvents(opts: DemoOptions): Generator<CloudEventInput> {
  // Sessions are generated whole and the daily transcode of a live stream runs at 20:00, so both
  // may reach past `now`; those events are left out (the random sequence, and so every id, stays
  // the same).
  for (const e of allEvents(opts)) if (Date.parse(e.time) <= opts.now) yield e;
}

function* allEvents(opts: DemoOptions): Generator<CloudEventInput> {
  const rnd = demoRandom(opts.seed ^ 0x11e9ee7);
  const counter = { n: 0 };
  const start = Math.floor((opts.now - opts.days * DAY_MS) / HOUR_MS) * HOUR_MS;
  for (let hour = start; hour < opts.now; hour += HOUR_MS) {
    const sessions = Math.round(diurnal(new Date(hour).getUTCHours()) * rnd.int(2, 6));
    for (let s = 0; s < sessions; s++) {
      const at = hour + rnd.int(0, HOUR_MS - 1);
      if (at < opts.now) yield* session(rnd, counter, at, false);
    }
  }
  for (let s = 0; s < 5; s++)
    yield* session(rnd, counter, opts.now - rnd.int(60_000, 600_000), true);
  // Platform-side usage: transcoding as assets are uploaded and streams run, storage as assets land.
  for (const p of PLAYBACKS) {
    const ids = {
      ...(p.assetId ? { assetId: p.assetId } : {}),
      ...(p.streamId ? { streamId: p.streamId } : {}),
    };
    if (p.assetId) {
      const at = start + rnd.int(0, 3) * DAY_MS;
      yield event(counter.n++, T.transcode, p.creator, at, { ...ids, minutes: p.minutes * 4 });
      yield event(counter.n++, T.storage, p.creator, at, { ...ids, deltaMins: p.minutes * 4 });
    } else {
      for (let day = start; day < opts.now; day += DAY_MS) {
        yield event(counter.n++, T.transcode, p.creator, day + 20 * HOUR_MS, {
          ...ids,
          minutes: rnd.int(30, 180),
        });
      }
    }
  }
}
