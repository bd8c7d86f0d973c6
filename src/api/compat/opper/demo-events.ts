// Demo traffic for the Opper-compatible profile: a few projects calling a few models, with
// per-model token prices, more calls on weekdays and in working hours.

import type { CloudEventInput, DemoOptions } from '../profile.js';
import { DAY_MS, demoRandom, diurnal, HOUR_MS } from '../shared/demo-random.js';
import { OPPER_EVENT_TYPE, type OpperCallData } from './event-shape.js';

/** USD per million tokens (prompt, completion). */
const MODELS = [
  { model: 'openai/gpt-4o-mini', prompt: 0.15, completion: 0.6, weight: 5 },
  { model: 'anthropic/claude-3.5-sonnet', prompt: 3, completion: 15, weight: 2 },
  { model: 'mistral/mistral-large', prompt: 2, completion: 6, weight: 1 },
] as const;

const PROJECTS = [
  { name: 'support-bot', id: 'proj-support', customer: 'acme-corp', fn: 'answer_ticket' },
  { name: 'doc-search', id: 'proj-docs', customer: 'globex', fn: 'summarize_document' },
  { name: 'sales-assist', id: 'proj-sales', customer: 'initech', fn: 'draft_email' },
] as const;

export function* opperDemoEvents(opts: DemoOptions): Generator<CloudEventInput> {
  const rnd = demoRandom(opts.seed ^ 0x0ae11);
  let n = 0;
  const start = Math.floor((opts.now - opts.days * DAY_MS) / HOUR_MS) * HOUR_MS;
  for (let hour = start; hour < opts.now; hour += HOUR_MS) {
    const weekday = new Date(hour).getUTCDay() % 6 !== 0;
    const calls = Math.round(diurnal(new Date(hour).getUTCHours()) * rnd.int(1, weekday ? 6 : 2));
    for (let i = 0; i < calls; i++) {
      const at = hour + rnd.int(0, HOUR_MS - 1);
      if (at >= opts.now) continue;
      const m = rnd.weighted(MODELS.map((x) => [x, x.weight] as const));
      const p = rnd.pick(PROJECTS);
      const prompt = rnd.int(200, 4000);
      const completion = rnd.int(20, 800);
      // Micro-dollar rounding keeps every cost an exact short decimal.
      const cost = Math.round(prompt * m.prompt + completion * m.completion) / 1e6;
      const data: OpperCallData = {
        event_metadata: {
          cost,
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
        },
        tags: {
          model: m.model,
          project: { name: p.name, id: p.id },
          function: { name: p.fn },
          environment: rnd.chance(0.8) ? 'production' : 'staging',
        },
      };
      yield {
        id: `demo-opper-${n++}`,
        source: 'tally-demo/opper',
        specversion: '1.0',
        type: OPPER_EVENT_TYPE,
        subject: p.customer,
        time: new Date(at).toISOString(),
        data: data as unknown as Record<string, unknown>,
      };
    }
  }
}
