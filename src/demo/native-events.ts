import type { CloudEventInput } from '../api/compat/profile.js';

/** A small deterministic PRNG (mulberry32) so demo data is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'llama-3-70b'];
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/files', '/v1/search'];
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const COUNTRIES = ['US', 'DE', 'IN', 'BR', 'JP', 'NP'];

/** Native demo events over the last `days` days, denser in daytime hours. */
export function* nativeDemoEvents(
  now: number,
  days: number,
  seed: number,
): Iterable<CloudEventInput> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const start = now - days * 86_400_000;
  let n = 0;
  for (let t = start; t < now; t += 60_000 * (1 + Math.floor(r() * 4))) {
    const hour = new Date(t).getUTCHours();
    const busy = hour >= 8 && hour <= 20 ? 2 : 1;
    for (let k = 0; k < busy; k++) {
      const subject = CUSTOMERS[Math.floor(r() ** 1.6 * CUSTOMERS.length)] as string;
      const time = new Date(t + Math.floor(r() * 60_000)).toISOString();
      n++;
      yield {
        id: `demo-prompt-${n}`,
        source: 'demo',
        specversion: '1.0',
        type: 'prompt',
        subject,
        time,
        data: {
          tokens: 50 + Math.floor(r() * 2000),
          model: pick(MODELS),
          type: r() < 0.6 ? 'input' : 'output',
        },
      };
      yield {
        id: `demo-req-${n}`,
        source: 'demo',
        specversion: '1.0',
        type: 'api_request',
        subject,
        time,
        data: {
          endpoint: pick(ENDPOINTS),
          region: pick(REGIONS),
          durationMs: 5 + Math.floor(r() * r() * 900),
        },
      };
      if (r() < 0.5) {
        yield {
          id: `demo-session-${n}`,
          source: 'demo',
          specversion: '1.0',
          type: 'session',
          subject,
          time,
          data: { userId: `${subject}-user-${Math.floor(r() * 300)}`, country: pick(COUNTRIES) },
        };
      }
    }
  }
}
