// What one soak run shares between its writers, readers, chaos loop and report.

import type { IngestOutcome } from './client.js';
import type { Gate } from './gate.js';
import type { SoakModel } from './model.js';
import type { SoakServer } from './server-process.js';

export interface RetryBatch {
  events: number[];
  single: boolean;
}

export interface Stats {
  batches: number;
  singles: number;
  resentBatches: number;
  resentSingles: number;
  mixedBatches: number;
  unackedRequests: number;
  unackedReasons: Map<string, number>;
  retriedBatches: number;
  /** Unacknowledged events found stored when their batch was retried (the ack was lost). */
  unackedFoundStored: number;
  unackedEvents: number;
  restarts: number;
  kills: number;
  killsDuringStart: number;
  queriesOk: number;
  queriesCut: number;
  checkpoints: number;
  checkpointsFailed: number;
  lostEvents: number;
  doubleCounted: number;
}

export interface RunState {
  model: SoakModel;
  server: SoakServer;
  gate: Gate;
  key: string;
  stats: Stats;
  /** Pending client retries: batches sent without an acknowledgement. */
  retries: RetryBatch[];
  /** Bumped when a restart or kill begins: a request that fails across it was cut on purpose. */
  epoch: number;
  chaosInProgress: boolean;
  /** Called (once each) when the next ingest request has left: the chaos loop aims its kills. */
  writeStarted: Array<() => void>;
  stopping: boolean;
  startedAt: number;
  anomalies: string[];
  anomaly: (what: string) => void;
}

export function newStats(): Stats {
  return {
    batches: 0,
    singles: 0,
    resentBatches: 0,
    resentSingles: 0,
    mixedBatches: 0,
    unackedRequests: 0,
    unackedReasons: new Map(),
    retriedBatches: 0,
    unackedFoundStored: 0,
    unackedEvents: 0,
    restarts: 0,
    kills: 0,
    killsDuringStart: 0,
    queriesOk: 0,
    queriesCut: 0,
    checkpoints: 0,
    checkpointsFailed: 0,
    lostEvents: 0,
    doubleCounted: 0,
  };
}

export function elapsed(state: RunState): string {
  const s = Math.floor((Date.now() - state.startedAt) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A request that failed while the server was meant to be up is a defect; across a kill it is not. */
export function cutOnPurpose(state: RunState, epochAtStart: number): boolean {
  return state.chaosInProgress || state.epoch !== epochAtStart || state.stopping;
}

export function noteUnacked(state: RunState, outcome: IngestOutcome & { kind: 'unacked' }): void {
  state.stats.unackedRequests += 1;
  const r = state.stats.unackedReasons;
  r.set(outcome.reason, (r.get(outcome.reason) ?? 0) + 1);
}
