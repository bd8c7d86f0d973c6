// Demo traffic for the THEO-compatible profile: two channels, each with a couple of distributions
// and streaming formats, an engine transcoding during the evening show.

import type { CloudEventInput, DemoOptions } from '../profile.js';
import { DAY_MS, demoRandom, diurnal, HOUR_MS } from '../shared/demo-random.js';
import { THEO_EVENT_TYPES as T } from './event-shape.js';

const CHANNELS = [
  { channelId: 'ch-sports', engines: ['eng-sports-eu'], distributions: ['dist-web', 'dist-app'] },
  {
    channelId: 'ch-news',
    engines: ['eng-news-us', 'eng-news-backup'],
    distributions: ['dist-web'],
  },
] as const;
const FORMATS = [
  ['hls', 6],
  ['dash', 2],
  ['webrtc', 1],
] as const;

export function* theoDemoEvents(opts: DemoOptions): Generator<CloudEventInput> {
  const rnd = demoRandom(opts.seed ^ 0x7e0);
  let n = 0;
  const ev = (type: string, time: number, data: Record<string, unknown>): CloudEventInput => ({
    id: `demo-theo-${n++}`,
    source: 'tally-demo/theo',
    specversion: '1.0',
    type,
    subject: 'streamco',
    time: new Date(time).toISOString(),
    data,
  });
  const start = Math.floor((opts.now - opts.days * DAY_MS) / HOUR_MS) * HOUR_MS;
  for (let hour = start; hour < opts.now; hour += HOUR_MS) {
    const h = new Date(hour).getUTCHours();
    for (const ch of CHANNELS) {
      const at = Math.min(opts.now - 1, hour + rnd.int(0, HOUR_MS - 1));
      const engineId = h >= 17 || ch.channelId === 'ch-news' ? ch.engines[0] : undefined;
      if (engineId) yield ev(T.transcoding, at, { channelId: ch.channelId, engineId, minutes: 60 });
      for (const distributionId of ch.distributions) {
        const streamingFormat = rnd.weighted(FORMATS);
        const minutes = Math.round(diurnal(h) * rnd.int(20, 400) * 10) / 10;
        yield ev(T.viewing, at, {
          channelId: ch.channelId,
          distributionId,
          streamingFormat,
          viewingMinutes: minutes,
          // About 3 Mbit/s on average: 22.5 MB per minute.
          bytes: Math.round(minutes * 22_500_000),
        });
      }
    }
  }
}
