// Alerting as the API sees it: webhook endpoints (the signing secret is made here and shown once),
// rules (checked against the account's meters, endpoints and customers), a rule's state now, and
// the delivery log with manual redelivery.
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type {
  AlertRule,
  AlertRuleInput,
  WebhookDeliveryWire,
  WebhookEndpointWire,
} from '../contract/alerts.js';
import {
  ConflictError,
  type Issue,
  NotFoundError,
  ValidationError,
} from '../errors/domain-errors.js';
import { parseZone } from '../lib/time/zone.js';
import type { MeterService } from '../meter/meter-service.js';
import { CUSTOMER_KEY } from '../query/planner.js';
import type { AlertState } from './alert-decide.js';
import { measure, measureCustomers, watchedCustomers } from './alert-measure.js';
import type { WebhookDelivery, WebhookEndpoint } from './alert-records.js';
import type { AlertRuntime } from './alert-runtime.js';
import { alertWindow, thresholdValue } from './alert-window.js';

export interface DeliveryFilter {
  ruleId?: string | undefined;
  status?: WebhookDelivery['status'] | undefined;
  limit: number;
}

function endpointWire(e: WebhookEndpoint): WebhookEndpointWire {
  const { secret: _secret, ...wire } = e;
  return wire;
}

export function deliveryWire(d: WebhookDelivery): WebhookDeliveryWire {
  const { accountId: _a, roundStart: _r, nextAttemptAt, ...rest } = d;
  return {
    ...rest,
    ...(nextAttemptAt !== undefined
      ? { nextAttemptAt: new Date(nextAttemptAt).toISOString() }
      : {}),
  };
}

export class AlertService {
  constructor(
    private readonly runtime: AlertRuntime,
    private readonly meters: MeterService,
    private readonly now: () => number = Date.now,
  ) {}

  private get records() {
    return this.runtime.records;
  }

  async createEndpoint(
    accountId: string,
    input: { url: string; description?: string | undefined },
  ): Promise<WebhookEndpointWire & { secret: string }> {
    const e: WebhookEndpoint = {
      id: ulid(),
      url: input.url,
      ...(input.description !== undefined ? { description: input.description } : {}),
      createdAt: new Date(this.now()).toISOString(),
      secret: `whsec_${randomBytes(24).toString('base64')}`,
    };
    await this.records.putEndpoint(accountId, e);
    return { ...endpointWire(e), secret: e.secret };
  }

  async listEndpoints(accountId: string): Promise<WebhookEndpointWire[]> {
    return (await this.records.listEndpoints(accountId)).map(endpointWire);
  }

  async deleteEndpoint(accountId: string, id: string): Promise<void> {
    if (!(await this.records.getEndpoint(accountId, id))) {
      throw new NotFoundError(`no webhook endpoint ${id}`);
    }
    const users = (await this.records.listRules(accountId)).filter((r) => r.endpointId === id);
    if (users.length > 0) {
      throw new ConflictError(
        `the endpoint is used by the rules ${users.map((r) => r.id).join(', ')}: delete or change them first`,
      );
    }
    await this.records.deleteEndpoint(accountId, id);
  }

  listRules(accountId: string): Promise<AlertRule[]> {
    return this.records.listRules(accountId);
  }

  async getRule(accountId: string, id: string): Promise<AlertRule> {
    const rule = await this.records.getRule(accountId, id);
    if (!rule) throw new NotFoundError(`no alert rule ${id}`);
    return rule;
  }

  async createRule(accountId: string, input: AlertRuleInput): Promise<AlertRule> {
    const at = new Date(this.now()).toISOString();
    const rule = await this.checked(accountId, input, { id: ulid(), createdAt: at, updatedAt: at });
    await this.records.putRule(accountId, rule);
    this.runtime.evaluator.evaluateAll(accountId);
    return rule;
  }

  async updateRule(accountId: string, id: string, input: AlertRuleInput): Promise<AlertRule> {
    const old = await this.getRule(accountId, id);
    const rule = await this.checked(accountId, input, {
      id,
      createdAt: old.createdAt,
      updatedAt: new Date(this.now()).toISOString(),
    });
    if (old.per !== rule.per) {
      // Thresholds fired for subjects say nothing about customers (and the reverse).
      for (const s of await this.rulesStates(accountId, id)) {
        await this.records.deleteState(accountId, s);
      }
    }
    await this.records.putRule(accountId, rule);
    this.runtime.evaluator.evaluateAll(accountId);
    return rule;
  }

  private async rulesStates(accountId: string, ruleId: string): Promise<AlertState[]> {
    return (await this.records.listStates(accountId)).filter((s) => s.ruleId === ruleId);
  }

  async deleteRule(accountId: string, id: string): Promise<void> {
    await this.getRule(accountId, id);
    await this.records.deleteRule(accountId, id);
    for (const s of await this.rulesStates(accountId, id)) {
      await this.records.deleteState(accountId, s);
    }
  }

  private async checked(
    accountId: string,
    input: AlertRuleInput,
    meta: Pick<AlertRule, 'id' | 'createdAt' | 'updatedAt'>,
  ): Promise<AlertRule> {
    const issues: Issue[] = [];
    const per = input.per ?? 'subject';
    const meter = (await this.meters.live(accountId)).find((m) => m.slug === input.meter);
    if (!meter) {
      issues.push({ path: 'meter', message: `no meter "${input.meter}" in this account` });
    } else if (per === 'customer' && meter.dimensions.some(([n]) => n === CUSTOMER_KEY)) {
      // Grouping by customer_id reads that dimension instead of the customers (planner.ts).
      issues.push({
        path: 'per',
        message: `meter "${input.meter}" has a dimension named ${CUSTOMER_KEY}, so its usage cannot be grouped by customer`,
      });
    }
    // Customers named by id or key are kept by id: a key may change, the id does not.
    const customers: string[] = [];
    if (per === 'customer' && input.customers !== undefined) {
      const live = await this.runtime.evaluator.customers.live(accountId);
      for (const [i, ref] of input.customers.entries()) {
        const c = live.find((x) => x.id === ref) ?? live.find((x) => x.key === ref);
        if (c) customers.push(c.id);
        else
          issues.push({
            path: `customers[${i}]`,
            message: `no customer "${ref}" (unknown or deleted)`,
          });
      }
    }
    if (!(await this.records.getEndpoint(accountId, input.endpointId))) {
      issues.push({ path: 'endpointId', message: `no webhook endpoint ${input.endpointId}` });
    }
    const timeZone = input.timeZone ?? 'UTC';
    if (!parseZone(timeZone))
      issues.push({ path: 'timeZone', message: 'is not a known time zone' });
    if (issues.length > 0) throw new ValidationError(issues);
    const rule: AlertRule = {
      ...meta,
      ...input,
      per,
      timeZone,
      enabled: input.enabled ?? true,
      thresholds: [...new Set(input.thresholds)].sort((a, b) => a - b),
    };
    if (per === 'customer') {
      delete rule.subjects;
      if (customers.length > 0) rule.customers = [...new Set(customers)];
      else delete rule.customers;
    } else {
      delete rule.customers;
    }
    if (rule.kind === 'period') {
      rule.period = input.period ?? 'MONTH';
      delete rule.windowMinutes;
    } else {
      delete rule.period;
    }
    return rule;
  }

  /** Each subject's (or customer's) value now, and which thresholds fired in the current period. */
  async ruleState(accountId: string, id: string) {
    const rule = await this.getRule(accountId, id);
    const window = alertWindow(rule, this.now());
    const states = (await this.rulesStates(accountId, id)).filter(
      (s) => s.periodKey === window.key,
    );
    const last = this.runtime.isLocal(accountId)
      ? this.runtime.evaluator.lastEvaluation.get(id)
      : undefined;
    const thresholds = (fired: AlertState['fired'] = {}) =>
      rule.thresholds.map((t) => {
        const f = fired[String(t)];
        return {
          threshold: t,
          thresholdValue: thresholdValue(rule, t),
          fired: f !== undefined,
          ...(f ? { firedAt: f.at, deliveryId: f.deliveryId } : {}),
        };
      });
    const head = {
      ruleId: id,
      window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
      ...(last ? { lastEvaluatedAt: new Date(last.at).toISOString() } : {}),
      ...(last?.error ? { lastError: last.error } : {}),
      per: rule.per,
    };
    const usage = this.runtime.evaluator.usage;
    if (rule.per === 'customer') {
      const live = await this.runtime.evaluator.customers.live(accountId);
      const watched = watchedCustomers(rule, live);
      const values = await measureCustomers(usage, accountId, rule, window, watched);
      const ids = new Set([
        ...values.keys(),
        ...states.flatMap((s) => (s.customerId === undefined ? [] : [s.customerId])),
      ]);
      return {
        ...head,
        subjects: [],
        customers: [...ids].sort().map((customerId) => {
          const c = live.find((x) => x.id === customerId);
          return {
            customerId,
            ...(c?.key !== undefined ? { customerKey: c.key } : {}),
            ...(c ? { customerName: c.name } : {}),
            value: values.get(customerId) ?? 0,
            thresholds: thresholds(states.find((s) => s.customerId === customerId)?.fired),
          };
        }),
      };
    }
    const values = await measure(usage, accountId, rule, window, rule.subjects ?? []);
    const subjects = new Set([
      ...values.keys(),
      ...states.flatMap((s) => (s.subject === undefined ? [] : [s.subject])),
    ]);
    return {
      ...head,
      subjects: [...subjects].sort().map((subject) => ({
        subject,
        value: values.get(subject) ?? 0,
        thresholds: thresholds(states.find((s) => s.subject === subject)?.fired),
      })),
    };
  }

  /** Newest first. */
  async listDeliveries(accountId: string, f: DeliveryFilter): Promise<WebhookDeliveryWire[]> {
    const all = await this.records.listDeliveries(accountId);
    return all
      .filter(
        (d) =>
          (f.ruleId === undefined || d.ruleId === f.ruleId) &&
          (f.status === undefined || d.status === f.status),
      )
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      .slice(0, f.limit)
      .map(deliveryWire);
  }

  /**
   * Sends the delivery again, with the same webhook-id and a fresh round of retries; its earlier
   * attempts stay in the log. The process that owns the account sends it (at once when that is
   * this one, else at its next sweep).
   */
  async redeliver(accountId: string, id: string): Promise<WebhookDeliveryWire> {
    const d = await this.records.getDelivery(accountId, id);
    if (!d) throw new NotFoundError(`no delivery ${id}`);
    const now = this.now();
    const next: WebhookDelivery = {
      ...d,
      status: 'pending',
      nextAttemptAt: now,
      roundStart: d.attempts.length,
    };
    await this.records.putDelivery(next);
    this.runtime.deliverer.schedule(accountId, id, now);
    return deliveryWire(next);
  }
}
