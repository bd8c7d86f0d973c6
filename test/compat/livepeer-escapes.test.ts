// Percent-encoding on the Livepeer-compatible routes: a malformed escape is the client's mistake
// (400 in Livepeer's `{"errors": [...]}` body, never a 500), and a well-formed one is decoded once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVEPEER_EVENT_TYPES as T } from '../../src/api/compat/livepeer/event-shape.js';
import { cloudEvent, startTally, type Tally } from './harness.js';

let tally: Tally;
const T0 = Date.UTC(2024, 1, 10);
// One view each of two playback ids that differ only by an escape: "a%b" and "a%25b".
const IDS = ['a%b', 'a%25b'];

beforeAll(async () => {
  tally = await startTally(['livepeer']);
  await tally.send(
    IDS.map((playbackId, i) =>
      cloudEvent(T.viewStarted, 'creator-1', T0 + i * 1000, { sessionId: `s${i}`, playbackId }),
    ),
  );
});

afterAll(async () => {
  await tally.close();
});

const get = (path: string) =>
  fetch(`${tally.origin}/compat/livepeer/api${path}`, {
    headers: { authorization: `Bearer ${tally.secretKey}` },
  });

async function errorBody(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors?: unknown };
  expect(Array.isArray(body.errors)).toBe(true);
  return body.errors as string[];
}

describe('livepeer percent-encoding', () => {
  it('a malformed escape in the total-views path is a 400 in Livepeer’s body', async () => {
    for (const segment of ['%E0%A4%A', 'pb%', 'pb%zz', '%E0%A4%A/more']) {
      const res = await get(`/data/views/query/total/${segment}`);
      expect(res.status, segment).toBe(400);
      expect((await errorBody(res)).join(' ')).toContain('percent-encoded');
    }
  });

  it('a malformed escape in a query value or name is a 400 on every route', async () => {
    for (const path of [
      '/data/views/query/total/pbA?x=%E0%A4%A',
      '/data/views/query?playbackId=%E0%A4%A',
      '/data/views/query?%E0%A4%A=1',
      '/data/usage/query?creatorId=%',
      '/data/views/now?playbackId=%ZZ',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect((await errorBody(res)).join(' ')).toContain('malformed percent-encoding');
    }
  });

  it('a well-formed escape is decoded exactly once', async () => {
    for (const [segment, id] of [
      ['a%25b', 'a%b'],
      ['a%2525b', 'a%25b'],
    ] as const) {
      const res = await get(`/data/views/query/total/${segment}`);
      expect(res.status, segment).toBe(200);
      expect(await res.json()).toMatchObject({ playbackId: id, viewCount: 1 });
    }
  });
});
