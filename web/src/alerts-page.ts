// The Alerts page (#alerts, secret keys): webhook endpoints (the signing secret shown once), a form
// for a rule (per subject or per customer), the rules with each one's state now, and the delivery
// log with redelivery. The rules' state and the log refresh every few seconds.
import { type ApiClient, describeError, type Me, type Meter } from './api-client';
import { h, option } from './dom';
import { secondaryTopbar } from './page-nav';
import { Poller } from './poller';

export const ALERTS_POLL_MS = 2000;

interface Endpoint {
  id: string;
  url: string;
  description?: string;
}
interface Rule {
  id: string;
  name: string;
  meter: string;
  kind: 'period' | 'rolling';
  period?: string;
  windowMinutes?: number;
  limit?: number;
  thresholds: number[];
  per?: 'subject' | 'customer';
  subjects?: string[];
  customers?: string[];
  endpointId: string;
}
interface ThresholdState {
  threshold: number;
  fired: boolean;
}
interface RuleState {
  subjects: { subject: string; value: number; thresholds: ThresholdState[] }[];
  customers?: {
    customerId: string;
    customerKey?: string;
    customerName?: string;
    value: number;
    thresholds: ThresholdState[];
  }[];
}
interface Delivery {
  id: string;
  ruleId: string;
  subject?: string;
  customerId?: string;
  threshold: number;
  status: string;
  createdAt: string;
  attempts: { at: string; statusCode?: number; error?: string; durationMs: number }[];
  payload: { data: { value: number; customerKey?: string } };
}

/** "a, b" → ["a", "b"]. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Whom a rule watches, in words. */
export function ruleScope(r: Pick<Rule, 'per' | 'subjects' | 'customers'>): string {
  if (r.per === 'customer') {
    return r.customers?.length ? `customers: ${r.customers.join(', ')}` : 'every customer';
  }
  return r.subjects?.length ? r.subjects.join(', ') : 'every subject';
}

/** "80, 100" → [80, 100]; undefined when any part is not a positive number. */
export function parseNumbers(text: string): number[] | undefined {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const nums = parts.map(Number);
  return nums.length > 0 && nums.every((n) => Number.isFinite(n) && n > 0) ? nums : undefined;
}

export class AlertsPage {
  private endpoints: Endpoint[] = [];
  private rules: Rule[] = [];
  private meters: Meter[] = [];
  private selectedRule = '';
  private destroyed = false;
  private readonly poller: Poller;

  private readonly status = h('p', { id: 'alerts-status', role: 'status', 'aria-live': 'polite' });
  private readonly endpointList = h('ul', { id: 'alert-endpoints' });
  private readonly endpointUrl = h('input', {
    id: 'alert-endpoint-url',
    type: 'url',
    placeholder: 'https://example.com/hooks/tally',
    'aria-label': 'Endpoint URL',
  });
  private readonly endpointSecret = h('p', { id: 'alert-endpoint-secret', hidden: true });
  private readonly ruleForm = h('form', { id: 'alert-rule-form', 'aria-label': 'New alert rule' });
  private readonly ruleError = h('p', {
    id: 'alert-rule-error',
    className: 'error',
    role: 'alert',
  });
  private readonly rulesBody = h('tbody');
  private readonly stateBox = h('div', { id: 'alert-state' });
  private readonly deliveryFilter = h('select', {
    id: 'alert-deliveries-rule',
    'aria-label': 'Deliveries of rule',
  });
  private readonly deliveriesBody = h('tbody');

  constructor(
    private readonly root: HTMLElement,
    private readonly client: ApiClient,
    private readonly me: Me,
    private readonly onUsage: () => void,
    private readonly onSignOut: () => void,
  ) {
    this.poller = new Poller(() => this.refreshLive(), ALERTS_POLL_MS);
    this.root.replaceChildren(this.header(), this.layout());
    document.body.dataset.state = 'loading';
    void this.load();
  }

  destroy(): void {
    this.destroyed = true;
    this.poller.destroy();
  }

  private header(): HTMLElement {
    return secondaryTopbar({
      me: this.me,
      current: 'alerts',
      leave: () => this.destroy(),
      onUsage: this.onUsage,
      onSignOut: this.onSignOut,
    });
  }

  private layout(): HTMLElement {
    const addEndpoint = h('button', { type: 'button', id: 'alert-endpoint-add' }, 'Add endpoint');
    addEndpoint.addEventListener('click', () => void this.createEndpoint());
    this.ruleForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.createRule();
    });
    this.deliveryFilter.addEventListener('change', () => void this.refreshDeliveries());
    return h(
      'main',
      { id: 'main', className: 'alerts' },
      h('h1', {}, 'Alerts'),
      this.status,
      h(
        'section',
        { className: 'card', 'aria-labelledby': 'alert-endpoints-title' },
        h('h2', { id: 'alert-endpoints-title' }, 'Webhook endpoints'),
        this.endpointList,
        h('div', { className: 'row' }, this.endpointUrl, addEndpoint),
        this.endpointSecret,
      ),
      h(
        'section',
        { className: 'card', 'aria-labelledby': 'alert-rule-title' },
        h('h2', { id: 'alert-rule-title' }, 'New rule'),
        this.ruleForm,
        this.ruleError,
      ),
      h(
        'section',
        { className: 'card', 'aria-labelledby': 'alert-rules-title' },
        h('h2', { id: 'alert-rules-title' }, 'Rules'),
        h(
          'table',
          { id: 'alert-rules' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Name', 'Meter', 'Kind', 'Thresholds', 'Per', ''].map((t) => h('th', {}, t)),
            ),
          ),
          this.rulesBody,
        ),
        this.stateBox,
      ),
      h(
        'section',
        { className: 'card', 'aria-labelledby': 'alert-deliveries-title' },
        h('h2', { id: 'alert-deliveries-title' }, 'Deliveries'),
        h('label', {}, 'Rule ', this.deliveryFilter),
        h(
          'table',
          { id: 'alert-deliveries' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Created',
                'Rule',
                'Subject / customer',
                'Threshold',
                'Value',
                'Status',
                'Attempts',
                '',
              ].map((t) => h('th', {}, t)),
            ),
          ),
          this.deliveriesBody,
        ),
      ),
    );
  }

  private async load(): Promise<void> {
    try {
      const [meters, endpoints, rules] = await Promise.all([
        this.client.meters(),
        this.client.send<Endpoint[]>('GET', '/api/v1/alerts/endpoints'),
        this.client.send<Rule[]>('GET', '/api/v1/alerts/rules'),
      ]);
      if (this.destroyed) return;
      this.meters = meters;
      this.endpoints = endpoints;
      this.rules = rules;
      this.renderEndpoints();
      this.renderRuleForm();
      this.renderRules();
      await this.refreshLive();
      this.poller.start();
      document.body.dataset.state = 'ready';
    } catch (err) {
      this.status.textContent = describeError(err, 'Loading alerts');
      document.body.dataset.state = 'error';
    }
  }

  private renderEndpoints(): void {
    this.endpointList.replaceChildren(
      ...this.endpoints.map((e) => h('li', { 'data-id': e.id }, e.url)),
    );
    if (this.endpoints.length === 0) this.endpointList.append(h('li', {}, 'No endpoint yet.'));
  }

  private async createEndpoint(): Promise<void> {
    try {
      const made = await this.client.send<Endpoint & { secret: string }>(
        'POST',
        '/api/v1/alerts/endpoints',
        { url: this.endpointUrl.value.trim() },
      );
      this.endpoints.push(made);
      this.endpointUrl.value = '';
      this.endpointSecret.hidden = false;
      this.endpointSecret.replaceChildren(
        'Signing secret (shown once, keep it now): ',
        h('code', {}, made.secret),
      );
      this.renderEndpoints();
      this.renderRuleForm();
      this.status.textContent = 'Endpoint added.';
    } catch (err) {
      this.status.textContent = describeError(err, 'Adding the endpoint');
    }
  }

  private field(label: string, control: HTMLElement): HTMLElement {
    return h('label', { className: 'field' }, `${label} `, control);
  }

  private renderRuleForm(): void {
    const kind = h(
      'select',
      { id: 'alert-rule-kind', name: 'kind' },
      option('period', 'Period to date', true),
      option('rolling', 'Rolling window', false),
    );
    const period = h(
      'select',
      { id: 'alert-rule-period', name: 'period' },
      option('MONTH', 'Month', true),
      option('DAY', 'Day', false),
      option('HOUR', 'Hour', false),
    );
    const windowMinutes = h('input', {
      id: 'alert-rule-window',
      name: 'windowMinutes',
      type: 'number',
      min: 1,
      value: 60,
    });
    const showKind = () => {
      period.disabled = kind.value !== 'period';
      windowMinutes.disabled = kind.value !== 'rolling';
    };
    kind.addEventListener('change', showKind);
    showKind();
    const per = h(
      'select',
      { id: 'alert-rule-per', name: 'per' },
      option('subject', 'Each subject', true),
      option('customer', 'Each customer (its subjects together)', false),
    );
    const subjects = h('input', {
      id: 'alert-rule-subjects',
      name: 'subjects',
      placeholder: 'every subject',
    });
    const customers = h('input', {
      id: 'alert-rule-customers',
      name: 'customers',
      placeholder: 'every customer (ids or keys)',
    });
    // A disabled control is left out of the form data: only the filter of the chosen scope is sent.
    const showPer = () => {
      subjects.disabled = per.value !== 'subject';
      customers.disabled = per.value !== 'customer';
    };
    per.addEventListener('change', showPer);
    showPer();
    this.ruleForm.replaceChildren(
      this.field('Name', h('input', { id: 'alert-rule-name', name: 'name', required: true })),
      this.field(
        'Meter',
        h(
          'select',
          { id: 'alert-rule-meter', name: 'meter' },
          ...this.meters.map((m, i) => option(m.slug, m.slug, i === 0)),
        ),
      ),
      this.field('Kind', kind),
      this.field('Period', period),
      this.field('Window (minutes)', windowMinutes),
      this.field(
        'Limit (optional: thresholds become % of it)',
        h('input', { id: 'alert-rule-limit', name: 'limit', type: 'number', min: 0, step: 'any' }),
      ),
      this.field(
        'Thresholds',
        h('input', { id: 'alert-rule-thresholds', name: 'thresholds', placeholder: '80, 100' }),
      ),
      this.field('Value per', per),
      this.field('Subjects (optional)', subjects),
      this.field('Customers (optional)', customers),
      this.field(
        'Endpoint',
        h(
          'select',
          { id: 'alert-rule-endpoint', name: 'endpointId' },
          ...this.endpoints.map((e, i) => option(e.id, e.url, i === this.endpoints.length - 1)),
        ),
      ),
      h('button', { type: 'submit', id: 'alert-rule-create' }, 'Create rule'),
    );
  }

  private async createRule(): Promise<void> {
    const data = new FormData(this.ruleForm);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const thresholds = parseNumbers(text('thresholds'));
    if (!thresholds) {
      this.ruleError.textContent = 'Thresholds: give one or more positive numbers, e.g. 80, 100.';
      return;
    }
    const kind = text('kind');
    const per = text('per') || 'subject';
    const subjects = per === 'subject' ? list(text('subjects')) : [];
    const customers = per === 'customer' ? list(text('customers')) : [];
    const body = {
      name: text('name'),
      meter: text('meter'),
      endpointId: text('endpointId'),
      kind,
      thresholds,
      per,
      ...(kind === 'period'
        ? { period: text('period') }
        : { windowMinutes: Number(text('windowMinutes')) }),
      ...(text('limit') !== '' ? { limit: Number(text('limit')) } : {}),
      ...(subjects.length > 0 ? { subjects } : {}),
      ...(customers.length > 0 ? { customers } : {}),
    };
    try {
      const rule = await this.client.send<Rule>('POST', '/api/v1/alerts/rules', body);
      this.rules.push(rule);
      this.ruleError.textContent = '';
      this.status.textContent = `Rule "${rule.name}" created.`;
      this.selectedRule = rule.id;
      this.renderRules();
      await this.refreshLive();
    } catch (err) {
      this.ruleError.textContent = describeError(err, 'Creating the rule');
    }
  }

  private renderRules(): void {
    this.rulesBody.replaceChildren(
      ...this.rules.map((r) => {
        const show = h('button', { type: 'button', className: 'link' }, 'State');
        show.addEventListener('click', () => {
          this.selectedRule = r.id;
          void this.refreshState();
        });
        const remove = h('button', { type: 'button', className: 'link' }, 'Delete');
        remove.addEventListener('click', () => void this.deleteRule(r));
        const thresholds = r.thresholds
          .map((t) => (r.limit === undefined ? String(t) : `${t}% of ${r.limit}`))
          .join(', ');
        const span = r.kind === 'period' ? (r.period ?? 'MONTH') : `last ${r.windowMinutes} min`;
        return h(
          'tr',
          { 'data-rule': r.id },
          h('td', {}, r.name),
          h('td', {}, r.meter),
          h('td', {}, `${r.kind} (${span})`),
          h('td', {}, thresholds),
          h('td', {}, ruleScope(r)),
          h('td', {}, show, ' ', remove),
        );
      }),
    );
    const current = this.deliveryFilter.value;
    this.deliveryFilter.replaceChildren(
      option('', 'All rules', current === ''),
      ...this.rules.map((r) => option(r.id, r.name, current === r.id)),
    );
  }

  private async deleteRule(r: Rule): Promise<void> {
    try {
      await this.client.send('DELETE', `/api/v1/alerts/rules/${encodeURIComponent(r.id)}`);
      this.rules = this.rules.filter((x) => x.id !== r.id);
      if (this.selectedRule === r.id) this.selectedRule = '';
      this.renderRules();
      await this.refreshState();
    } catch (err) {
      this.status.textContent = describeError(err, 'Deleting the rule');
    }
  }

  private async refreshLive(): Promise<void> {
    await Promise.all([this.refreshState(), this.refreshDeliveries()]);
  }

  private async refreshState(): Promise<void> {
    const rule = this.rules.find((r) => r.id === this.selectedRule);
    if (!rule) {
      this.stateBox.replaceChildren();
      return;
    }
    try {
      const state = await this.client.send<RuleState>(
        'GET',
        `/api/v1/alerts/rules/${encodeURIComponent(rule.id)}/state`,
      );
      if (this.destroyed) return;
      const fired = (ts: ThresholdState[]) =>
        ts
          .filter((t) => t.fired)
          .map((t) => String(t.threshold))
          .join(', ') || 'none';
      const byCustomer = rule.per === 'customer';
      const rows = byCustomer
        ? (state.customers ?? []).map((c) =>
            h(
              'tr',
              { 'data-customer': c.customerId },
              h('td', {}, c.customerKey ?? c.customerName ?? c.customerId),
              h('td', {}, String(c.value)),
              h('td', {}, fired(c.thresholds)),
            ),
          )
        : state.subjects.map((s) =>
            h(
              'tr',
              { 'data-subject': s.subject },
              h('td', {}, s.subject),
              h('td', {}, String(s.value)),
              h('td', {}, fired(s.thresholds)),
            ),
          );
      this.stateBox.replaceChildren(
        h('h3', {}, `State of ${rule.name}`),
        rows.length === 0
          ? h('p', { className: 'muted' }, 'No value in the current period yet.')
          : h(
              'table',
              { id: 'alert-state-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, byCustomer ? 'Customer' : 'Subject'),
                  h('th', {}, 'Value'),
                  h('th', {}, 'Fired'),
                ),
              ),
              h('tbody', {}, ...rows),
            ),
      );
    } catch (err) {
      this.stateBox.replaceChildren(h('p', { className: 'error' }, describeError(err, 'State')));
    }
  }

  private async refreshDeliveries(): Promise<void> {
    const rule = this.deliveryFilter.value;
    try {
      const list = await this.client.send<Delivery[]>(
        'GET',
        `/api/v1/alerts/deliveries?limit=100${rule ? `&ruleId=${encodeURIComponent(rule)}` : ''}`,
      );
      if (this.destroyed) return;
      const nameOf = (id: string) => this.rules.find((r) => r.id === id)?.name ?? id;
      this.deliveriesBody.replaceChildren(
        ...list.map((d) => {
          const redeliver = h('button', { type: 'button', className: 'link' }, 'Redeliver');
          redeliver.addEventListener('click', () => void this.redeliver(d.id));
          const last = d.attempts.at(-1);
          const lastText = last
            ? last.statusCode !== undefined
              ? String(last.statusCode)
              : (last.error ?? '')
            : '';
          return h(
            'tr',
            { 'data-delivery': d.id, 'data-status': d.status },
            h('td', {}, new Date(d.createdAt).toLocaleString()),
            h('td', {}, nameOf(d.ruleId)),
            h(
              'td',
              { className: 'subject' },
              d.subject ?? `customer ${d.payload.data.customerKey ?? d.customerId ?? ''}`,
            ),
            h('td', {}, String(d.threshold)),
            h('td', {}, String(d.payload.data.value)),
            h('td', { className: 'status' }, d.status),
            h(
              'td',
              { title: d.attempts.map((a) => `${a.at} ${a.statusCode ?? a.error}`).join('\n') },
              `${d.attempts.length}${lastText ? ` (last ${lastText})` : ''}`,
            ),
            h('td', {}, redeliver),
          );
        }),
      );
      if (list.length === 0) {
        this.deliveriesBody.append(
          h('tr', {}, h('td', { colspan: 8, className: 'muted' }, 'No delivery yet.')),
        );
      }
    } catch (err) {
      this.status.textContent = describeError(err, 'Loading deliveries');
    }
  }

  private async redeliver(id: string): Promise<void> {
    try {
      await this.client.send(
        'POST',
        `/api/v1/alerts/deliveries/${encodeURIComponent(id)}/redeliver`,
      );
      this.status.textContent = 'Redelivery queued.';
      await this.refreshDeliveries();
    } catch (err) {
      this.status.textContent = describeError(err, 'Redelivering');
    }
  }
}
