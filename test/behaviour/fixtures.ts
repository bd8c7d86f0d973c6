import type { RefEvent } from './reference-model.js';

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SUBJECTS = ['cust-a', 'cust-b', 'cust-c', "o'brien", 'cust-e'];
export const MODELS = ['gpt-4', 'gpt-4o', 'claude', 'llama'];
export const REGIONS = ['us', 'eu', 'in'];

/**
 * Usage events around both 2024 DST changes in New York and Berlin and several month and week
 * edges: Feb 20 - Apr 10 and Oct 20 - Nov 10, 2024. Integer amounts keep sums exact.
 */
export function fixtureEvents(count = 2400, seed = 7): RefEvent[] {
  const r = prng(seed);
  const spans: [number, number][] = [
    [Date.parse('2024-02-20T00:00:00Z'), Date.parse('2024-04-10T00:00:00Z')],
    [Date.parse('2024-10-20T00:00:00Z'), Date.parse('2024-11-10T00:00:00Z')],
  ];
  const out: RefEvent[] = [];
  for (let i = 0; i < count; i++) {
    const [a, b] = spans[i % 3 === 0 ? 1 : 0] as [number, number];
    const data: Record<string, unknown> = {
      amount: 1 + Math.floor(r() * 100),
      user: `u${Math.floor(r() * 60)}`,
      region: REGIONS[Math.floor(r() * REGIONS.length)],
    };
    if (r() < 0.9) data.model = MODELS[Math.floor(r() * MODELS.length)];
    out.push({
      subject: SUBJECTS[Math.floor(r() * SUBJECTS.length)] as string,
      time: a + Math.floor(r() * (b - a)),
      data,
    });
  }
  // Events exactly on local midnights and DST instants, to pin the boundaries.
  for (const iso of [
    '2024-03-10T05:00:00.000Z', // New York midnight, the day clocks spring forward
    '2024-03-10T07:00:00.000Z', // 03:00 EDT, just after the gap
    '2024-03-31T00:59:59.999Z', // Berlin 01:59:59.999 CET
    '2024-03-31T01:00:00.000Z', // Berlin 03:00 CEST
    '2024-11-03T05:30:00.000Z', // New York 01:30 EDT (first pass)
    '2024-11-03T06:30:00.000Z', // New York 01:30 EST (second pass)
    '2024-02-29T18:30:00.000Z', // midnight in +05:30 between Feb 29 and Mar 1
    '2024-03-31T18:15:00.000Z', // midnight in +05:45 between Mar 31 and Apr 1
  ]) {
    out.push({
      subject: 'cust-a',
      time: Date.parse(iso),
      data: { amount: 1000, user: 'edge', region: 'us', model: 'gpt-4' },
    });
  }
  return out;
}
