// The writers (new batches, single events, re-sends of acknowledged events, batches mixing both)
// and the readers (random queries, each checked against the bounds of the model) of the soak.

import { ingest, type QueryShape, queryTotals, randomShape } from './client.js';
import { ACKED, SUBJECTS, type Totals } from './model.js';
import type { Rng } from './rng.js';
import { cutOnPurpose, noteUnacked, type RunState } from './run-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chooseWrite(state: RunState, rng: Rng, batchMax: number) {
  const { model, stats } = state;
  const r = rng.next();
  const resend = (n: number) => {
    const picked = new Set<number>();
    for (let i = 0; i < n; i++) {
      const k = model.randomAcked(rng);
      if (k !== undefined) picked.add(k);
    }
    return [...picked];
  };
  if (r < 0.62) {
    stats.batches += 1;
    return { events: model.create(rng.int(1, batchMax)), single: false };
  }
  if (r < 0.72) {
    stats.singles += 1;
    return { events: model.create(1), single: true };
  }
  if (r < 0.84) {
    const old = resend(rng.int(1, Math.ceil(batchMax / 4)));
    if (old.length > 0) {
      stats.mixedBatches += 1;
      return { events: [...old, ...model.create(rng.int(1, batchMax / 2))], single: false };
    }
  } else if (r < 0.94) {
    const old = resend(rng.int(1, Math.ceil(batchMax / 2)));
    if (old.length > 0) {
      stats.resentBatches += 1;
      return { events: old, single: false };
    }
  } else {
    const old = resend(1);
    if (old.length > 0) {
      stats.resentSingles += 1;
      return { events: old, single: true };
    }
  }
  stats.batches += 1;
  return { events: model.create(rng.int(1, batchMax)), single: false };
}

export async function writer(
  state: RunState,
  rng: Rng,
  opts: { batchMax: number; paceMs: number },
): Promise<void> {
  const { model, gate } = state;
  // Failures in a row: a client backs off while the server is away instead of hammering it.
  let backoff = 0;
  while (!state.stopping) {
    if (backoff > 0) await sleep(Math.min(2_000, 100 * 2 ** backoff));
    await gate.enter();
    try {
      if (state.stopping) break;
      const { events, single } = chooseWrite(state, rng, opts.batchMax);
      const alreadyAcked = events.filter((k) => model.stateOf(k) === ACKED).length;
      model.markSent(events);
      const epoch = state.epoch;
      const pending = ingest(
        state.server.url,
        state.key,
        events.map((k) => model.wire(k)),
        single,
      );
      for (const notify of state.writeStarted.splice(0)) notify();
      const outcome = await pending;
      if (outcome.kind === 'acked') {
        backoff = 0;
        model.markAcked(events);
        if (Number.isFinite(outcome.accepted)) {
          if (outcome.accepted > events.length - alreadyAcked) {
            state.anomaly(
              `an acknowledged event was accepted again (${outcome.accepted} accepted, ${events.length - alreadyAcked} new in the batch): its dedupe entry or the event was lost`,
            );
          }
          if (outcome.accepted + outcome.duplicates !== events.length) {
            state.anomaly(
              `summary ${outcome.accepted}+${outcome.duplicates} does not add up to ${events.length} events`,
            );
          }
        }
      } else if (outcome.kind === 'unacked') {
        noteUnacked(state, outcome);
        state.retries.push({ events, single });
        backoff += 1;
        if (!cutOnPurpose(state, epoch) && !/^(429|503)$/.test(outcome.reason)) {
          state.anomaly(`ingest failed while the server was up: ${outcome.reason}`);
        }
      } else {
        state.anomaly(`ingest refused valid events: ${outcome.status} ${outcome.body}`);
      }
    } finally {
      gate.leave();
    }
    if (opts.paceMs > 0) await sleep(opts.paceMs);
  }
}

function checkWithin(
  state: RunState,
  shape: QueryShape,
  got: Map<string, number>,
  floor: Totals,
  ceiling: Totals,
): void {
  const pick = (t: Totals) => (shape.meter === 'soak_count' ? t.count : t.sum);
  const lo = pick(floor);
  const hi = pick(ceiling);
  const cells: Array<[string, number, number]> = shape.bySubject
    ? SUBJECTS.map((s, i) => [s, lo[i] ?? 0, hi[i] ?? 0])
    : [['*', lo.reduce((a, b) => a + b, 0), hi.reduce((a, b) => a + b, 0)]];
  for (const [subject, min, max] of cells) {
    const v = got.get(subject) ?? 0;
    const what = `${shape.meter} ${shape.windowSize ?? 'total'}${shape.timeZone ? ` ${shape.timeZone}` : ''} subject ${subject}`;
    if (v < min) state.anomaly(`live query ${what}: ${v} < ${min} acknowledged before the query`);
    if (v > max) state.anomaly(`live query ${what}: ${v} > ${max} ever sent (double count)`);
  }
}

export async function reader(state: RunState, rng: Rng, opts: { paceMs: number }): Promise<void> {
  const { model, gate } = state;
  while (!state.stopping) {
    await gate.enter();
    try {
      if (state.stopping) break;
      let shape = randomShape(rng);
      // Hourly windows only over a short span, so the query stays small whatever the run length.
      if (
        shape.windowSize === 'HOUR' &&
        model.lastTime() - Date.parse('2025-01-01') > 20 * 86_400_000
      )
        shape = { ...shape, windowSize: 'DAY' };
      const floor = model.snapshot(model.acked);
      const lastTime = model.lastTime();
      const epoch = state.epoch;
      try {
        const got = await queryTotals(state.server.url, state.key, shape, lastTime);
        checkWithin(state, shape, got, floor, model.snapshot(model.sent));
        state.stats.queriesOk += 1;
      } catch (err) {
        const message = (err as Error).message;
        if (cutOnPurpose(state, epoch) && !/answered/.test(message)) state.stats.queriesCut += 1;
        else state.anomaly(`query failed: ${message}`);
      }
    } finally {
      gate.leave();
    }
    if (opts.paceMs > 0) await sleep(opts.paceMs);
  }
}
