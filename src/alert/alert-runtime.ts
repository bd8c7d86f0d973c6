// What runs alerting in a process: the evaluator, the deliverer, and the periodic sweep. Only the
// process that writes an account evaluates and delivers its alerts (the store's placement: on
// ClickHouse with coordinated writers, the owner of the account's slot; a store without placement
// writes every account itself), so a crossing is detected and delivered by one process. A process
// that takes an account over reads the persisted state and pending deliveries at its next sweep.
import { CustomerService } from '../customer/customer-service.js';
import type { IngestItem } from '../ingest/stored-event.js';
import type { UsageService } from '../query/usage-service.js';
import type { AccountRepo, EventWriter, RecordRepo } from '../store/ports.js';
import { AlertEvaluator } from './alert-evaluator.js';
import { AlertRecords } from './alert-records.js';
import { type DeliveryOptions, WebhookDeliverer } from './webhook-deliverer.js';

export interface AlertRuntimeOptions extends DeliveryOptions {
  /** Every this often: every rule of every local account, and the pending deliveries. */
  sweepIntervalMs: number;
  /** Acknowledged events are evaluated this long after the first of a burst. */
  debounceMs: number;
  /** Delivered and failed deliveries older than this are deleted by the sweep. */
  retentionMs: number;
}

export type AlertStore = RecordRepo &
  Pick<AccountRepo, 'listAccounts'> &
  Pick<EventWriter, 'placement'>;

export class AlertRuntime {
  readonly records: AlertRecords;
  readonly evaluator: AlertEvaluator;
  readonly deliverer: WebhookDeliverer;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: AlertStore,
    usage: Pick<UsageService, 'query'>,
    private readonly options: AlertRuntimeOptions,
    private readonly onError: (err: unknown, context: Record<string, string>) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new AlertRecords(store);
    const isLocal = (accountId: string) => this.isLocal(accountId);
    this.deliverer = new WebhookDeliverer(
      this.records,
      options,
      isLocal,
      (err, d) => onError(err, { accountId: d.accountId, deliveryId: d.id }),
      now,
    );
    this.evaluator = new AlertEvaluator(
      this.records,
      usage,
      // Customers are records of the same store; alerting only reads them (live customers), so
      // its own reader needs no share of the customer service's write serialisation.
      new CustomerService(store, now),
      isLocal,
      (d) => this.deliverer.schedule(d.accountId, d.id, d.nextAttemptAt ?? now()),
      onError,
      options.debounceMs,
      now,
    );
  }

  isLocal(accountId: string): boolean {
    return (this.store.placement?.(accountId) ?? { kind: 'local' }).kind === 'local';
  }

  /** Starts the periodic sweep, the first one at once (pending deliveries resume after a restart). */
  start(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), this.options.sweepIntervalMs);
    this.timer.unref();
  }

  /** Wraps the writer ingest appends through: the subjects of new events are evaluated. */
  notifyingWriter(writer: EventWriter): EventWriter {
    return {
      append: async (items: IngestItem[]) => {
        const result = await writer.append(items);
        const duplicate = new Set(result.duplicates);
        const subjects = new Map<string, Set<string>>();
        items.forEach((item, i) => {
          if (duplicate.has(i)) return;
          const { accountId, subject } = item.event;
          const set = subjects.get(accountId) ?? new Set<string>();
          set.add(subject);
          subjects.set(accountId, set);
        });
        for (const [accountId, set] of subjects) this.evaluator.acknowledged(accountId, set);
        return result;
      },
    };
  }

  /** One sweep at a time: a slow one is not stacked on. */
  private sweep(): void {
    if (this.closed || this.sweeping) return;
    this.sweeping = this.sweepOnce()
      .catch((err) => this.onError(err, {}))
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  private async sweepOnce(): Promise<void> {
    for (const account of await this.store.listAccounts()) {
      if (this.closed) return;
      if (!this.isLocal(account.id)) continue;
      this.evaluator.evaluateAll(account.id);
      const oldest = this.now() - this.options.retentionMs;
      for (const d of await this.records.listDeliveries(account.id)) {
        if (d.status === 'pending') {
          this.deliverer.schedule(account.id, d.id, d.nextAttemptAt ?? this.now());
        } else if (Date.parse(d.createdAt) < oldest) {
          await this.records.deleteDelivery(account.id, d.id);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await this.evaluator.close();
    await this.deliverer.close();
  }
}
