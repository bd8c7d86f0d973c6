// The tests' own view of the API: what the dashboard must show is whatever these calls return.

export interface Row {
  value: number;
  windowStart: string;
  windowEnd: string;
  subject: string | null;
  groupBy?: Record<string, string | null>;
  /** The "other" group of a query with a limit (shown as one "Other" row and series). */
  other?: boolean;
}

export interface MeterInfo {
  slug: string;
  aggregation: string;
  eventType: string;
  valueProperty?: string;
  groupBy: Record<string, string>;
  metadata?: Record<string, string>;
}

export async function apiGet<T>(base: string, path: string, key: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function queryRows(
  base: string,
  slug: string,
  query: string,
  key: string,
): Promise<Row[]> {
  const body = await apiGet<{ data: Row[] }>(
    base,
    `/api/v1/meters/${encodeURIComponent(slug)}/query?${query}`,
    key,
  );
  return body.data;
}

export async function createPublishableKey(
  base: string,
  adminToken: string,
  accountId: string,
  subject: string,
): Promise<string> {
  const res = await fetch(`${base}/admin/v1/accounts/${encodeURIComponent(accountId)}/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'publishable', subject }),
  });
  if (!res.ok) throw new Error(`create key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

export function dimValue(row: Row, dim: string): string | null {
  return dim === 'subject' ? row.subject : (row.groupBy?.[dim] ?? null);
}

/** The CSV the page must produce, written independently of the page's own code. */
export function expectedSeriesCsv(rows: Row[], groupBy: string[]): string {
  const esc = (v: string | number | null): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [['window_start', 'window_end', ...groupBy, 'value'].join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.windowStart,
        r.windowEnd,
        // The "other" group: "Other" in the first group-by column, the others blank.
        ...groupBy.map((d, i) => (r.other ? (i === 0 ? 'Other' : '') : dimValue(r, d))),
        r.value,
      ]
        .map(esc)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Sums of values keyed by a row's group (dimension values in order). */
export function totalsByGroup(rows: Row[], groupBy: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const k = groupBy
      .map((d, i) => (r.other ? (i === 0 ? 'Other' : '') : (dimValue(r, d) ?? '(none)')))
      .join(' | ');
    out.set(k, (out.get(k) ?? 0) + r.value);
  }
  return out;
}

/** Sends one event for `meter` happening now, carrying `value` at the meter's value property. */
export async function sendEventNow(
  base: string,
  key: string,
  meter: MeterInfo,
  subject: string,
  value: number,
): Promise<void> {
  const data: Record<string, unknown> = {};
  const path = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(meter.valueProperty ?? '');
  if (path?.[1]) data[path[1]] = value;
  const event = {
    specversion: '1.0',
    id: `e2e-${Date.now()}-${Math.random()}`,
    source: 'dashboard-e2e',
    type: meter.eventType,
    subject,
    time: new Date().toISOString(),
    data,
  };
  const res = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/cloudevents-batch+json',
    },
    body: JSON.stringify([event]),
  });
  if (!res.ok) throw new Error(`send event: ${res.status} ${await res.text()}`);
}

async function send(
  base: string,
  method: string,
  path: string,
  key: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** A new, empty account and a secret key for it: tests that must know every event in it. */
export async function createAccountWithSecretKey(
  base: string,
  adminToken: string,
  name: string,
): Promise<{ accountId: string; key: string }> {
  const account = (await (
    await send(base, 'POST', '/admin/v1/accounts', adminToken, { name })
  ).json()) as { id: string };
  const created = (await (
    await send(
      base,
      'POST',
      `/admin/v1/accounts/${encodeURIComponent(account.id)}/keys`,
      adminToken,
      { kind: 'secret' },
    )
  ).json()) as { key: string };
  return { accountId: account.id, key: created.key };
}

export interface MeterCreate {
  slug: string;
  aggregation: string;
  eventType: string;
  valueProperty?: string;
  groupBy?: Record<string, string>;
}

export async function createMeter(base: string, key: string, meter: MeterCreate): Promise<void> {
  await send(base, 'POST', '/api/v1/meters', key, meter);
}

export interface SentEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

/** Stores a batch; events a meter cannot count are stored too (and reported, not refused). */
export async function sendEvents(base: string, key: string, events: SentEvent[]): Promise<void> {
  await send(base, 'POST', '/api/v1/events', key, events, 'application/cloudevents-batch+json');
}
