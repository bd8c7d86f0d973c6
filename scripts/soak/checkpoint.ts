// With writers and readers paused: the totals must lie between what was acknowledged and what was
// sent (nothing acknowledged lost, nothing counted twice); then the client retries every batch that
// lost its acknowledgement, and the totals must equal the acknowledged events exactly.

import { ingest, totals } from './client.js';
import { SUBJECTS, type Totals } from './model.js';
import { elapsed, noteUnacked, type RunState } from './run-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CheckpointRow {
  at: string;
  label: string;
  acked: number;
  unacked: number;
  /** Unacknowledged events that were stored anyway (their acknowledgement was lost). */
  foundStored: number;
  ok: boolean;
}

const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function compare(
  state: RunState,
  label: string,
  got: Totals,
  floor: Totals,
  ceiling: Totals,
): boolean {
  let ok = true;
  SUBJECTS.forEach((s, i) => {
    for (const [measure, g, lo, hi] of [
      ['COUNT', got.count[i], floor.count[i], ceiling.count[i]],
      ['SUM', got.sum[i], floor.sum[i], ceiling.sum[i]],
    ] as const) {
      const v = g ?? 0;
      if (v < (lo ?? 0)) {
        ok = false;
        if (measure === 'COUNT') state.stats.lostEvents += (lo ?? 0) - v;
        state.anomaly(`${label}: ${measure} of ${s} is ${v}, below the ${lo} acknowledged (lost)`);
      }
      if (v > (hi ?? 0)) {
        ok = false;
        if (measure === 'COUNT') state.stats.doubleCounted += v - (hi ?? 0);
        state.anomaly(`${label}: ${measure} of ${s} is ${v}, above the ${hi} sent (double count)`);
      }
    }
  });
  return ok;
}

/** Sends every pending retry until the server acknowledges it. */
async function retryAll(state: RunState): Promise<boolean> {
  const { model } = state;
  while (state.retries.length > 0) {
    const batch = state.retries[0];
    if (!batch) break;
    const unknownBefore = batch.events.filter((k) => model.stateOf(k) === 1);
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const outcome = await ingest(
        state.server.url,
        state.key,
        batch.events.map((k) => model.wire(k)),
        batch.single,
      );
      if (outcome.kind === 'acked') {
        model.markAcked(batch.events);
        state.stats.retriedBatches += 1;
        // Everything in the batch that was acknowledged before, or stored without an
        // acknowledgement, comes back as a duplicate.
        const stored = batch.events.length - outcome.accepted;
        const before = batch.events.length - unknownBefore.length;
        if (Number.isFinite(stored)) state.stats.unackedFoundStored += Math.max(0, stored - before);
        break;
      }
      if (outcome.kind === 'refused') {
        state.anomaly(`retry refused: ${outcome.status} ${outcome.body}`);
        return false;
      }
      noteUnacked(state, outcome);
      if (attempts >= 20) {
        state.anomaly(`a retry was not acknowledged after 20 attempts: ${outcome.reason}`);
        return false;
      }
      await sleep(500 * attempts);
    }
    state.retries.shift();
  }
  return true;
}

export async function checkpoint(state: RunState, label: string): Promise<CheckpointRow> {
  const { model, stats } = state;
  stats.checkpoints += 1;
  const acked = total(model.acked.count);
  const unacked = total(model.unknown.count);
  stats.unackedEvents += unacked;
  let ok = true;
  let foundStored = 0;
  try {
    const before = await totals(state.server.url, state.key, model.lastTime());
    const ceiling: Totals = {
      count: model.acked.count.map((c, i) => c + (model.unknown.count[i] ?? 0)),
      sum: model.acked.sum.map((c, i) => c + (model.unknown.sum[i] ?? 0)),
    };
    ok = compare(state, `${label}, before retries`, before, model.acked, ceiling) && ok;
    foundStored = total(before.count) - acked;
    ok = (await retryAll(state)) && ok;
    const after = await totals(state.server.url, state.key, model.lastTime());
    if (total(model.unknown.count) !== 0) {
      ok = false;
      state.anomaly(`${label}: ${total(model.unknown.count)} events still unacknowledged`);
    }
    ok = compare(state, `${label}, after retries`, after, model.acked, model.acked) && ok;
  } catch (err) {
    ok = false;
    state.anomaly(`${label}: ${(err as Error).message}`);
  }
  if (!ok) stats.checkpointsFailed += 1;
  return {
    at: elapsed(state),
    label,
    acked: total(model.acked.count),
    unacked,
    foundStored,
    ok,
  };
}
