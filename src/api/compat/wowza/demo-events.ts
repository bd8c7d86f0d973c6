// Demo traffic for the Wowza-compatible profile: a live event business with two stream targets,
// two transcoders, a real-time stream, a VOD library and recordings filling storage.

import type { CloudEventInput, DemoOptions } from '../profile.js';
import { DAY_MS, demoRandom, diurnal, HOUR_MS } from '../shared/demo-random.js';
import { WOWZA_EVENT_TYPES as T } from './event-shape.js';

const TARGETS = [
  { id: 'nlyjxjbc', name: 'Main Fastly Target', archived: 'false', type: 'fastly' },
  { id: 'zwry3gj7', name: 'Backup Target', archived: 'false', type: 'fastly' },
];
const VODS = [
  { id: 'vod0a1b2', name: 'Keynote Replay', archived: 'false', type: 'fastly' },
  { id: 'vod3c4d5', name: 'Product Tour', archived: 'false', type: 'fastly' },
  { id: 'vod6e7f8', name: 'Old Webinar', archived: 'true', type: 'fastly' },
];
const TRANSCODERS = [
  {
    id: '1237abcd',
    name: 'RTMP-Pull-Street',
    archived: 'false',
    transcoder_type: 'transcoded',
    billing_mode: 'pay_as_you_go',
  },
  {
    id: '1238abcd',
    name: 'RTMP Pull test',
    archived: 'true',
    transcoder_type: 'transcoded',
    billing_mode: 'twentyfour_seven',
  },
];

export function* wowzaDemoEvents(opts: DemoOptions): Generator<CloudEventInput> {
  const rnd = demoRandom(opts.seed ^ 0x3033a);
  let n = 0;
  const ev = (type: string, time: number, data: Record<string, unknown>): CloudEventInput => ({
    id: `demo-wowza-${n++}`,
    source: 'tally-demo/wowza',
    specversion: '1.0',
    type,
    subject: 'live-events-inc',
    time: new Date(Math.min(time, opts.now - 1)).toISOString(),
    data,
  });
  const start = Math.floor((opts.now - opts.days * DAY_MS) / HOUR_MS) * HOUR_MS;
  let stored = 40e9;
  for (let hour = start; hour < opts.now; hour += HOUR_MS) {
    const load = diurnal(new Date(hour).getUTCHours());
    const at = () => hour + rnd.int(0, HOUR_MS - 1);
    for (let v = Math.round(load * rnd.int(2, 8)); v > 0; v--) {
      const t = rnd.weighted([
        [TARGETS[0], 4],
        [TARGETS[1], 1],
      ] as const);
      const seconds = rnd.int(60, 3600);
      yield ev(T.streamTarget, at(), {
        ...t,
        viewerId: `viewer-${rnd.int(1, 300)}`,
        viewing_seconds: seconds,
        viewing_bytes: seconds * rnd.int(250_000, 600_000),
      });
    }
    if (rnd.chance(0.5 * load)) {
      const vod = rnd.pick(VODS.slice(0, 2));
      const seconds = rnd.int(30, 1800);
      yield ev(T.vodStream, at(), {
        ...vod,
        viewerId: `viewer-${rnd.int(1, 300)}`,
        viewing_seconds: seconds,
        viewing_bytes: seconds * 400_000,
      });
    }
    const tc = TRANSCODERS[0];
    if (tc) {
      yield ev(T.transcoder, at(), {
        ...tc,
        egress_seconds: 3600,
        egress_bytes: rnd.int(1e9, 2e9),
        egress_seconds_additional_targets: rnd.chance(0.2) ? 600 : 0,
      });
    }
    if (rnd.chance(0.3)) {
      yield ev(T.realTimeStream, at(), {
        id: 'rts8k2m1',
        name: 'Town Hall Real-Time',
        bytes_in: rnd.int(1e8, 5e8),
        bytes_out: rnd.int(5e8, 4e9),
      });
    }
    if (new Date(hour).getUTCHours() === 0) {
      stored += rnd.int(-1e9, 3e9);
      stored = Math.max(10e9, stored);
      yield ev(T.storage, hour, { bytes: stored });
    }
  }
  // The archived test transcoder and the archived VOD ran once at the start of the window.
  const old = TRANSCODERS[1];
  if (old) {
    yield ev(T.transcoder, start + HOUR_MS, {
      ...old,
      egress_seconds: 7200,
      egress_bytes: 119_542_733,
      egress_seconds_additional_targets: 0,
    });
  }
  const oldVod = VODS[2];
  if (oldVod) {
    yield ev(T.vodStream, start + 2 * HOUR_MS, {
      ...oldVod,
      viewerId: 'viewer-1',
      viewing_seconds: 90,
      viewing_bytes: 27_258_685,
    });
  }
}
