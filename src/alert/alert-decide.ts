// What one evaluation of one (rule, target) decides, without I/O: which thresholds cross now and
// the state to keep. The target is a subject, or a customer for a per-customer rule. A crossing
// fires once per (rule, target, threshold, period): a period
// rule re-arms when a new period starts, a rolling rule when its value falls back below the
// threshold (each re-arm starts a new "episode", which names the next crossing).
import type { AlertRule } from '../contract/alerts.js';
import { sha256Hex } from '../lib/hash.js';
import { type AlertWindow, thresholdValue } from './alert-window.js';

export interface FiredThreshold {
  at: string;
  deliveryId: string;
}

/** Whom a rule's value belongs to: a subject, or a customer (a per-customer rule). */
export type AlertTarget =
  | { subject: string; customerId?: never }
  | { customerId: string; subject?: never };

/**
 * The target as one string: the subject itself (so the ids of per-subject crossings and states
 * are what they were before customers), or the customer id behind a prefix no subject id has.
 */
export function targetKey(t: {
  subject?: string | undefined;
  customerId?: string | undefined;
}): string {
  return t.customerId !== undefined ? `\u0000customer\u0000${t.customerId}` : (t.subject ?? '');
}

export function target(t: {
  subject?: string | undefined;
  customerId?: string | undefined;
}): AlertTarget {
  return t.customerId !== undefined ? { customerId: t.customerId } : { subject: t.subject ?? '' };
}

/** The persisted state of one (rule, target) (collection alert_state): `subject` or `customerId`. */
export interface AlertState {
  ruleId: string;
  subject?: string;
  customerId?: string;
  /** The period the fired thresholds belong to (AlertWindow.key). */
  periodKey: string;
  /** Fired thresholds, keyed by the threshold as configured (String(t)). */
  fired: Record<string, FiredThreshold>;
  /** Rolling rules: how often each threshold re-armed. */
  rearms: Record<string, number>;
}

export interface Crossing {
  threshold: number;
  thresholdValue: number;
  /** The webhook-id: the same for the same crossing whoever detects it, however often. */
  deliveryId: string;
}

/**
 * The delivery id of a crossing: derived from what identifies it, so that a process taking over an
 * account, or an evaluation repeated after a crash between two writes, finds the delivery already
 * made instead of making a second one.
 */
export function crossingId(
  accountId: string,
  ruleId: string,
  key: string,
  threshold: number,
  occurrence: string,
): string {
  const h = sha256Hex([accountId, ruleId, key, String(threshold), occurrence].join('\u0000'));
  return `msg_${h.slice(0, 32)}`;
}

export function emptyState(ruleId: string, t: AlertTarget, periodKey: string): AlertState {
  return { ruleId, ...t, periodKey, fired: {}, rearms: {} };
}

export function decide(
  accountId: string,
  rule: AlertRule,
  t: AlertTarget,
  previous: AlertState | undefined,
  value: number,
  window: AlertWindow,
  now: number,
): { state: AlertState; changed: boolean; crossings: Crossing[] } {
  let changed = previous === undefined;
  let state = previous ?? emptyState(rule.id, t, window.key);
  if (state.periodKey !== window.key) {
    // A new period (or the rule changed kind): every threshold re-arms.
    state = emptyState(rule.id, t, window.key);
    changed = true;
  } else {
    state = { ...state, fired: { ...state.fired }, rearms: { ...state.rearms } };
  }
  const crossings: Crossing[] = [];
  for (const th of rule.thresholds) {
    const k = String(th);
    const tv = thresholdValue(rule, th);
    const fired = state.fired[k];
    if (value >= tv && !fired) {
      const occurrence =
        rule.kind === 'rolling' ? `rolling#${state.rearms[k] ?? 0}` : `period#${window.key}`;
      const deliveryId = crossingId(accountId, rule.id, targetKey(t), th, occurrence);
      crossings.push({ threshold: th, thresholdValue: tv, deliveryId });
      state.fired[k] = { at: new Date(now).toISOString(), deliveryId };
      changed = true;
    } else if (value < tv && fired && rule.kind === 'rolling') {
      delete state.fired[k];
      state.rearms[k] = (state.rearms[k] ?? 0) + 1;
      changed = true;
    }
  }
  return { state, changed, crossings };
}
