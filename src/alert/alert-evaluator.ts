// Evaluates an account's alert rules: the value of each rule's meter per subject (or per customer)
// over the rule's period (or rolling window), through the UsageService like any query, compared
// with the stored state. Called for the subjects an ingest just acknowledged (debounced per
// account, so a burst of batches costs one evaluation; a per-customer rule evaluates the customers
// those subjects are attributed to) and for every target periodically (a period that starts anew,
// a rolling value that falls, or a customer whose subjects changed, is seen even when nothing is
// ingested). Evaluations of one account never overlap.
import type { AlertRule } from '../contract/alerts.js';
import type { Customer } from '../customer/customer.js';
import type { CustomerService } from '../customer/customer-service.js';
import type { UsageService } from '../query/usage-service.js';
import {
  type AlertState,
  type AlertTarget,
  type Crossing,
  decide,
  targetKey,
} from './alert-decide.js';
import { measure, measureCustomers, watchedCustomers } from './alert-measure.js';
import { type AlertRecords, stateId, type WebhookDelivery } from './alert-records.js';
import { type AlertWindow, alertWindow } from './alert-window.js';

export type CustomerDirectory = Pick<CustomerService, 'live'>;

/** One target of an evaluation: who, its value now, and the customer's key for the webhook. */
interface Measured {
  target: AlertTarget;
  value: number;
  customerKey?: string | undefined;
}

/** More acknowledged subjects than this are evaluated as "every subject" (one grouped query). */
const MAX_NAMED_SUBJECTS = 100;

type Scope = Set<string> | 'all';

export interface RuleEvaluation {
  at: number;
  error?: string;
}

export class AlertEvaluator {
  private readonly pending = new Map<string, Scope>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  /** Per rule: this process's last finished evaluation (the state API shows it). */
  readonly lastEvaluation = new Map<string, RuleEvaluation>();
  private closed = false;

  constructor(
    private readonly records: AlertRecords,
    readonly usage: Pick<UsageService, 'query'>,
    readonly customers: CustomerDirectory,
    private readonly isLocal: (accountId: string) => boolean,
    private readonly onDelivery: (d: WebhookDelivery) => void,
    private readonly onError: (err: unknown, context: Record<string, string>) => void,
    private readonly debounceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Subjects of the account whose events were just acknowledged. */
  acknowledged(accountId: string, subjects: Iterable<string>): void {
    const scope = this.pending.get(accountId) ?? new Set<string>();
    if (scope !== 'all') {
      for (const s of subjects) scope.add(s);
      this.pending.set(accountId, scope.size > MAX_NAMED_SUBJECTS ? 'all' : scope);
    }
    this.kick(accountId, this.debounceMs);
  }

  /** Every subject of every rule of the account. */
  evaluateAll(accountId: string): void {
    this.pending.set(accountId, 'all');
    this.kick(accountId, 0);
  }

  private kick(accountId: string, delay: number): void {
    if (this.closed || this.timers.has(accountId) || this.running.has(accountId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(accountId);
      const scope = this.pending.get(accountId);
      this.pending.delete(accountId);
      if (!scope) return;
      const run = this.evaluate(accountId, scope)
        .catch((err) => this.onError(err, { accountId }))
        .finally(() => {
          this.running.delete(accountId);
          // Subjects acknowledged while it ran: their turn now.
          if (this.pending.has(accountId)) this.kick(accountId, this.debounceMs);
        });
      this.running.set(accountId, run);
    }, delay);
    this.timers.set(accountId, timer);
  }

  async evaluate(accountId: string, scope: Scope): Promise<void> {
    if (this.closed || !this.isLocal(accountId)) return;
    const rules = (await this.records.listRules(accountId)).filter((r) => r.enabled);
    if (rules.length === 0) return;
    const states = new Map<string, AlertState>();
    for (const s of await this.records.listStates(accountId)) {
      states.set(stateId(s.ruleId, targetKey(s)), s);
    }
    // Read once per evaluation, and only when a rule is per customer.
    let live: Promise<Customer[]> | undefined;
    const customers = () => {
      live ??= this.customers.live(accountId);
      return live;
    };
    const now = this.now();
    for (const rule of rules) {
      if (this.closed) return;
      try {
        const measured =
          rule.per === 'customer'
            ? await this.measureCustomers(accountId, rule, scope, states, await customers(), now)
            : await this.measureSubjects(accountId, rule, scope, states, now);
        await this.decideAll(accountId, rule, measured, states, now);
        this.lastEvaluation.set(rule.id, { at: now });
      } catch (err) {
        this.lastEvaluation.set(rule.id, { at: now, error: (err as Error).message });
        this.onError(err, { accountId, ruleId: rule.id });
      }
    }
  }

  /** Fired states of a rolling rule (a target with no value left in the window must re-arm). */
  private firedRolling(
    rule: AlertRule,
    states: Map<string, AlertState>,
    inScope: (s: AlertState) => boolean,
  ): AlertState[] {
    if (rule.kind !== 'rolling') return [];
    return [...states.values()].filter(
      (s) => s.ruleId === rule.id && inScope(s) && Object.keys(s.fired).length > 0,
    );
  }

  private async measureSubjects(
    accountId: string,
    rule: AlertRule,
    scope: Scope,
    states: Map<string, AlertState>,
    now: number,
  ): Promise<Measured[]> {
    const watched = rule.subjects ?? [];
    const inRule = (s: string) => watched.length === 0 || watched.includes(s);
    let subjects = watched;
    if (scope !== 'all') {
      subjects = [...scope].filter(inRule);
      if (subjects.length === 0) return [];
    }
    const window = alertWindow(rule, now);
    const values = await measure(this.usage, accountId, rule, window, subjects);
    const candidates = new Set(values.keys());
    const rearm = this.firedRolling(rule, states, (s) =>
      s.subject === undefined ? false : scope === 'all' ? inRule(s.subject) : scope.has(s.subject),
    );
    for (const s of rearm) if (s.subject !== undefined) candidates.add(s.subject);
    return [...candidates].map((subject) => ({
      target: { subject },
      value: values.get(subject) ?? 0,
    }));
  }

  private async measureCustomers(
    accountId: string,
    rule: AlertRule,
    scope: Scope,
    states: Map<string, AlertState>,
    live: Customer[],
    now: number,
  ): Promise<Measured[]> {
    const watched = watchedCustomers(rule, live);
    // Acknowledged subjects name the customers whose subjectKeys hold them.
    const inScope =
      scope === 'all' ? watched : watched.filter((c) => c.subjectKeys.some((s) => scope.has(s)));
    if (scope !== 'all' && inScope.length === 0) return [];
    const window = alertWindow(rule, now);
    const values = await measureCustomers(this.usage, accountId, rule, window, inScope);
    const candidates = new Set(values.keys());
    const only = rule.customers ?? [];
    const scoped = new Set(inScope.map((c) => c.id));
    // On a sweep a deleted customer's fired thresholds re-arm too (its value is 0 now).
    const rearm = this.firedRolling(rule, states, (s) =>
      s.customerId === undefined
        ? false
        : scope === 'all'
          ? only.length === 0 || only.includes(s.customerId)
          : scoped.has(s.customerId),
    );
    for (const s of rearm) if (s.customerId !== undefined) candidates.add(s.customerId);
    return [...candidates].map((customerId) => ({
      target: { customerId },
      value: values.get(customerId) ?? 0,
      customerKey: live.find((c) => c.id === customerId)?.key,
    }));
  }

  private async decideAll(
    accountId: string,
    rule: AlertRule,
    measured: Measured[],
    states: Map<string, AlertState>,
    now: number,
  ): Promise<void> {
    if (measured.length === 0) return;
    const window = alertWindow(rule, now);
    for (const m of measured) {
      const id = stateId(rule.id, targetKey(m.target));
      const d = decide(accountId, rule, m.target, states.get(id), m.value, window, now);
      // The delivery first, then the state: a crash between them makes the next evaluation
      // detect the crossing again, find its delivery (same id) and only record the state.
      for (const c of d.crossings) await this.fire(accountId, rule, m, c, window, now);
      if (d.changed) {
        await this.records.putState(accountId, d.state);
        states.set(id, d.state);
      }
    }
  }

  private async fire(
    accountId: string,
    rule: AlertRule,
    m: Measured,
    c: Crossing,
    window: AlertWindow,
    now: number,
  ): Promise<void> {
    if (await this.records.getDelivery(accountId, c.deliveryId)) return;
    const at = new Date(now).toISOString();
    const who =
      m.target.customerId !== undefined
        ? {
            customerId: m.target.customerId,
            ...(m.customerKey !== undefined ? { customerKey: m.customerKey } : {}),
          }
        : { subject: m.target.subject };
    const d: WebhookDelivery = {
      id: c.deliveryId,
      accountId,
      ruleId: rule.id,
      endpointId: rule.endpointId,
      ...m.target,
      threshold: c.threshold,
      status: 'pending',
      createdAt: at,
      nextAttemptAt: now,
      attempts: [],
      roundStart: 0,
      payload: {
        type: 'alert.threshold_crossed',
        timestamp: at,
        data: {
          rule: {
            id: rule.id,
            name: rule.name,
            meter: rule.meter,
            kind: rule.kind,
            per: rule.per,
          },
          ...who,
          threshold: c.threshold,
          thresholdValue: c.thresholdValue,
          ...(rule.limit !== undefined ? { limit: rule.limit } : {}),
          value: m.value,
          period: {
            from: new Date(window.from).toISOString(),
            to: new Date(window.to).toISOString(),
          },
        },
      },
    };
    await this.records.putDelivery(d);
    this.onDelivery(d);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
  }
}
