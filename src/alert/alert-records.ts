// Alerting's persistent documents over the store's RecordRepo (both stores, survive restarts):
// rules, webhook endpoints (with their signing secrets), per-(rule, target) state, deliveries.
import type {
  AlertRule,
  AlertWebhookPayload,
  WebhookAttempt,
  WebhookEndpointWire,
} from '../contract/alerts.js';
import { sha256Hex } from '../lib/hash.js';
import type { RecordCollection, RecordRepo } from '../store/ports.js';
import { type AlertState, targetKey } from './alert-decide.js';

export interface WebhookEndpoint extends WebhookEndpointWire {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  accountId: string;
  ruleId: string;
  endpointId: string;
  /** Per-subject rules. */
  subject?: string;
  /** Per-customer rules. */
  customerId?: string;
  threshold: number;
  status: 'pending' | 'delivered' | 'failed';
  createdAt: string;
  /** Epoch ms of the next attempt while pending. */
  nextAttemptAt?: number;
  attempts: WebhookAttempt[];
  /** Index in `attempts` where the current round began (a manual redelivery starts a new one). */
  roundStart: number;
  payload: AlertWebhookPayload;
}

/** The state record of one (rule, target): the key is hashed, as a subject may hold any character. */
export function stateId(ruleId: string, key: string): string {
  return `${ruleId}.${sha256Hex(key).slice(0, 24)}`;
}

/** Rules stored before `per` existed are per subject. */
function withScope(rule: AlertRule): AlertRule {
  return rule.per === undefined ? { ...rule, per: 'subject' } : rule;
}

export class AlertRecords {
  constructor(private readonly repo: RecordRepo) {}

  private async list<T>(collection: RecordCollection, accountId: string): Promise<T[]> {
    const records = await this.repo.listRecords(collection, accountId);
    return records.map((r) => JSON.parse(r.body) as T);
  }

  private async get<T>(
    collection: RecordCollection,
    accountId: string,
    id: string,
  ): Promise<T | undefined> {
    const r = await this.repo.getRecord(collection, accountId, id);
    return r ? (JSON.parse(r.body) as T) : undefined;
  }

  private put(collection: RecordCollection, accountId: string, id: string, body: unknown) {
    return this.repo.putRecord({ collection, accountId, id, body: JSON.stringify(body) });
  }

  async listRules(accountId: string): Promise<AlertRule[]> {
    return (await this.list<AlertRule>('alert_rules', accountId)).map(withScope);
  }
  async getRule(accountId: string, id: string): Promise<AlertRule | undefined> {
    const rule = await this.get<AlertRule>('alert_rules', accountId, id);
    return rule && withScope(rule);
  }
  putRule(accountId: string, rule: AlertRule): Promise<void> {
    return this.put('alert_rules', accountId, rule.id, rule);
  }
  deleteRule(accountId: string, id: string): Promise<void> {
    return this.repo.deleteRecord('alert_rules', accountId, id);
  }

  listEndpoints(accountId: string): Promise<WebhookEndpoint[]> {
    return this.list('webhook_endpoints', accountId);
  }
  getEndpoint(accountId: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.get('webhook_endpoints', accountId, id);
  }
  putEndpoint(accountId: string, e: WebhookEndpoint): Promise<void> {
    return this.put('webhook_endpoints', accountId, e.id, e);
  }
  deleteEndpoint(accountId: string, id: string): Promise<void> {
    return this.repo.deleteRecord('webhook_endpoints', accountId, id);
  }

  listStates(accountId: string): Promise<AlertState[]> {
    return this.list('alert_state', accountId);
  }
  putState(accountId: string, s: AlertState): Promise<void> {
    return this.put('alert_state', accountId, stateId(s.ruleId, targetKey(s)), s);
  }
  deleteState(accountId: string, s: AlertState): Promise<void> {
    return this.repo.deleteRecord('alert_state', accountId, stateId(s.ruleId, targetKey(s)));
  }

  listDeliveries(accountId: string): Promise<WebhookDelivery[]> {
    return this.list('webhook_deliveries', accountId);
  }
  getDelivery(accountId: string, id: string): Promise<WebhookDelivery | undefined> {
    return this.get('webhook_deliveries', accountId, id);
  }
  putDelivery(d: WebhookDelivery): Promise<void> {
    return this.put('webhook_deliveries', d.accountId, d.id, d);
  }
  deleteDelivery(accountId: string, id: string): Promise<void> {
    return this.repo.deleteRecord('webhook_deliveries', accountId, id);
  }
}
