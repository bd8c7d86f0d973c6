// The automatic granularity of LaunchDarkly's evaluations, events and streams endpoints follows
// the age of the data requested, not the range's length: minutely if the range lies within the
// past two hours, hourly within the last two days, otherwise daily. The server's clock is fixed,
// so every age below is exact.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LD_EVENT_TYPES as T } from '../../src/api/compat/launchdarkly/event-shape.js';
import { seriesListRep } from '../../src/api/compat/launchdarkly/schemas.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2024, 6, 10, 12); // a Wednesday noon, UTC
// A 6-hour range a week old that crosses a UTC midnight: Jul 2 21:00 to Jul 3 03:00.
const WEEK_OLD = NOW - 7 * DAY - 15 * HOUR;
const scope = { projectKey: 'default', environmentKey: 'production' };

// When something happened and how much of it (evaluations and SDK events carry it as `count`;
// a stream connection is one event, so `n` connections are sent).
const USAGE = [
  { at: WEEK_OLD - HOUR, n: 4 }, // just before the week-old range
  { at: WEEK_OLD + HOUR, n: 1 },
  { at: WEEK_OLD + 4.5 * HOUR, n: 2 },
  { at: NOW - 2 * DAY - 30 * MIN, n: 1 },
  { at: NOW - 2 * DAY + 30 * MIN, n: 2 },
  { at: NOW - 5 * HOUR, n: 1 },
  { at: NOW - 2 * HOUR, n: 1 },
  { at: NOW - 80 * MIN, n: 3 },
  { at: NOW - 5 * MIN, n: 2 },
];

const ENDPOINTS = [
  '/evaluations/default/production/f',
  '/events/received',
  '/streams/server',
  '/streams/server/bysdkversion',
];

let tally: Tally;

beforeAll(async () => {
  tally = await startTally(['launchdarkly'], () => NOW);
  await tally.send(
    USAGE.flatMap(({ at, n }) => [
      cloudEvent(T.evaluation, 'acme', at, { ...scope, flagKey: 'f', variation: '0', count: n }),
      cloudEvent(T.events, 'acme', at, { direction: 'received', count: n }),
      ...Array.from({ length: n }, () =>
        cloudEvent(T.streamConnection, 'acme', at, { source: 'server', sdk: 'go', version: '7' }),
      ),
    ]),
  );
}, 60_000);

afterAll(async () => {
  await tally?.close();
});

async function series(path: string) {
  const res = await fetch(`${tally.origin}/compat/launchdarkly/api/v2/usage${path}`, {
    headers: { authorization: tally.secretKey },
  });
  expect(res.status).toBe(200);
  const body = seriesListRep.parse(await res.json());
  expect(body.metadata).toHaveLength(1);
  return body.series;
}

/**
 * The points [from, to) should have in windows of `step` whose boundaries fall on `origin`
 * modulo `step`: every window that overlaps the range, each with the usage inside the range.
 */
function expected(from: number, to: number, step: number, origin = 0) {
  const points: { time: number; '0': number }[] = [];
  for (let start = origin + Math.floor((from - origin) / step) * step; start < to; start += step) {
    const lo = Math.max(from, start);
    const hi = Math.min(to, start + step);
    const sum = USAGE.filter((u) => u.at >= lo && u.at < hi).reduce((s, u) => s + u.n, 0);
    points.push({ time: start, '0': sum });
  }
  return points;
}

describe.each(ENDPOINTS)('%s', (endpoint) => {
  it.each([
    ['a 6-hour range a week old is daily', WEEK_OLD, WEEK_OLD + 6 * HOUR, DAY],
    ['90 minutes ending now are minutely', NOW - 90 * MIN, NOW, MIN],
    ['6 hours ending now are hourly', NOW - 6 * HOUR, NOW, HOUR],
    ['a range starting exactly 2 hours ago is minutely', NOW - 2 * HOUR, NOW - HOUR, MIN],
    ['a range starting a minute earlier is hourly', NOW - 2 * HOUR - MIN, NOW - HOUR, HOUR],
    [
      'a range starting exactly 2 days ago is hourly',
      NOW - 2 * DAY,
      NOW - 2 * DAY + 3 * HOUR,
      HOUR,
    ],
    [
      'a range starting a minute earlier is daily',
      NOW - 2 * DAY - MIN,
      NOW - 2 * DAY + 3 * HOUR,
      DAY,
    ],
  ])('%s', async (_, from, to, step) => {
    expect(await series(`${endpoint}?from=${from}&to=${to}`)).toEqual(expected(from, to, step));
  });

  it('daily windows break days in tz', async () => {
    // America/New_York is UTC-4 in July: its days start at 04:00 UTC.
    const to = WEEK_OLD + 6 * HOUR;
    const points = await series(`${endpoint}?from=${WEEK_OLD}&to=${to}&tz=America/New_York`);
    expect(points).toEqual(expected(WEEK_OLD, to, DAY, 4 * HOUR));
  });
});

describe('default ranges', () => {
  it('events and SDK versions default to the past 24 hours: hourly', async () => {
    expect(await series('/events/received')).toEqual(expected(NOW - DAY, NOW, HOUR));
    expect(await series('/streams/server/bysdkversion')).toEqual(expected(NOW - DAY, NOW, HOUR));
  });

  it('evaluations and streams default to the past 30 days: daily', async () => {
    const month = expected(NOW - 30 * DAY, NOW, DAY);
    expect(await series('/evaluations/default/production/f')).toEqual(month);
    expect(await series('/streams/server')).toEqual(month);
  });
});
