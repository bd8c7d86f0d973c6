// Wowza-compatible peak storage: the greatest level stored at any point of [from, to), where the
// level at `from` is the last sample at or before it, however old. Expected peaks come from a
// step-function model of the samples sent here, never from the engine.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_LEVEL_METER } from '../../src/api/compat/wowza/entities.js';
import { WOWZA_EVENT_TYPES as W } from '../../src/api/compat/wowza/event-shape.js';
import { wowzaPresets } from '../../src/api/compat/wowza/presets.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { cloudEvent } from './harness.js';

const DAY = 86_400_000;
const GB = 1e9;
const day = (n: number) => Date.UTC(2025, 0, 1) + n * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

interface Sample {
  at: number;
  bytes: number;
}

const SAMPLES: Sample[] = [
  { at: day(1), bytes: 10 * GB },
  { at: day(10), bytes: 4 * GB },
  { at: day(20), bytes: 6 * GB },
  { at: day(21), bytes: 12 * GB },
  { at: day(22), bytes: 5 * GB },
  { at: day(40), bytes: 3 * GB },
];

/** The stored level is a step function of the samples; its peak over [from, to). */
function expectedPeak(samples: Sample[], from: number, to: number): number {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const atStart = sorted.filter((s) => s.at <= from).at(-1)?.bytes ?? 0;
  const inside = sorted.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes);
  return Math.max(atStart, ...inside);
}

interface Harness {
  app: App;
  dir: string;
  accountId: string;
  key: string;
}

async function open(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-wowza-peak-'));
  const app = await createApp(loadConfig({ TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'silent' }));
  const account = await app.services.keys.createAccount('wowza-peak');
  const { key } = await app.services.keys.createKey(account.id, 'secret');
  return { app, dir, accountId: account.id, key };
}

async function close(h: Harness | undefined): Promise<void> {
  await h?.app.close();
  if (h) rmSync(h.dir, { recursive: true, force: true });
}

async function send(h: Harness, samples: Sample[]): Promise<void> {
  const summary = await h.app.services.ingest.ingest(
    h.accountId,
    samples.map((s) => ({ value: cloudEvent(W.storage, 'x', s.at, { bytes: s.bytes }) })),
  );
  expect(summary.rejected).toEqual([]);
}

async function peak(h: Harness, from: number, to: number) {
  const res = await h.app.fetch(
    new Request(
      `http://tally/compat/wowza/api/v1.11/usage/storage/peak?from=${iso(from)}&to=${iso(to)}`,
      { headers: { authorization: `Bearer ${h.key}` } },
    ),
  );
  return { status: res.status, body: (await res.json()) as { bytes: number } };
}

describe('Wowza peak storage', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
    await h.app.services.enableProfiles(h.accountId, ['wowza']);
    await send(h, SAMPLES);
  }, 60_000);
  afterAll(() => close(h));

  const cases: [string, number, number][] = [
    ['the level stored before the range is the peak', day(5), day(12)],
    ['a peak inside the range beats the level at start', day(15), day(25)],
    ['no sample before the range: the level at start is 0', day(-10), day(3)],
    ['no sample before or in the range', day(-30), day(-20)],
    ['the only samples are before the range', day(50), day(60)],
    ['a level set long before the range (over a year)', day(400), day(450)],
    ['a sample at `from` replaces the older, higher level', day(10), day(15)],
    ['the range ends just before a higher sample', day(15), day(21)],
  ];
  for (const [name, from, to] of cases) {
    it(name, async () => {
      const r = await peak(h, from, to);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.bytes).toBe(expectedPeak(SAMPLES, from, to));
    });
  }

  it('the cases cover the shapes they name', () => {
    // Guards the table above against edits that would make the cases trivial.
    const inRange = (from: number, to: number) =>
      SAMPLES.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes);
    expect(expectedPeak(SAMPLES, day(5), day(12))).toBeGreaterThan(
      Math.max(...inRange(day(5), day(12))),
    );
    expect(expectedPeak(SAMPLES, day(50), day(60))).toBeGreaterThan(0);
    expect(inRange(day(50), day(60))).toEqual([]);
    expect(expectedPeak(SAMPLES, day(10), day(15))).toBeLessThan(10 * GB);
  });
});

describe('Wowza peak storage on an account created before the level meter existed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
    // The profile as enabled by an earlier release: every preset but the level meter.
    for (const p of wowzaPresets) {
      if (p.slug !== STORAGE_LEVEL_METER) await h.app.services.meters.create(h.accountId, p);
    }
    await h.app.services.keys.setProfiles(h.accountId, ['wowza']);
    await send(h, SAMPLES);
  }, 60_000);
  afterAll(() => close(h));

  it('enabling the profile again creates the meter from the stored events', async () => {
    const before = await peak(h, day(5), day(12));
    expect(before.status).toBe(404);
    expect(JSON.stringify(before.body)).toContain(STORAGE_LEVEL_METER);
    await h.app.services.enableProfiles(h.accountId, ['wowza']);
    const r = await peak(h, day(5), day(12));
    expect(r.status).toBe(200);
    expect(r.body.bytes).toBe(expectedPeak(SAMPLES, day(5), day(12)));
  });
});

describe('Wowza peak storage after an upgrade: the restart adds the level meter', () => {
  let h: Harness | undefined;
  afterAll(() => close(h));

  it('a restart creates the missing preset from the stored events, and spares a deleted one', async () => {
    const first = await open();
    h = first;
    // The profile as an earlier release left it: every preset but the level meter; and the
    // account deleted one of the others.
    const deleted = wowzaPresets.find((p) => p.slug !== STORAGE_LEVEL_METER)?.slug ?? '';
    for (const p of wowzaPresets) {
      if (p.slug !== STORAGE_LEVEL_METER)
        await first.app.services.meters.create(first.accountId, p);
    }
    await first.app.services.meters.delete(first.accountId, deleted);
    await first.app.services.keys.setProfiles(first.accountId, ['wowza']);
    await send(first, SAMPLES);
    expect((await peak(first, day(5), day(12))).status).toBe(404);
    await first.app.close();

    const app = await createApp(
      loadConfig({ TALLY_DATA_DIR: first.dir, TALLY_LOG_LEVEL: 'silent' }),
    );
    h = { ...first, app };
    const r = await peak(h, day(5), day(12));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.bytes).toBe(expectedPeak(SAMPLES, day(5), day(12)));
    const live = (await app.services.meters.list(first.accountId)).map((m) => m.slug);
    expect(live).toContain(STORAGE_LEVEL_METER);
    expect(live).not.toContain(deleted);
  });
});
