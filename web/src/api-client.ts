// The dashboard's only way to the server: the native HTTP API with a bearer key.
// The wire vocabulary is the server's, imported as types only: nothing of the server is bundled.
import type { Aggregation, KeyKind, ValueProblemReason } from '../../src/contract/vocabulary.js';

export type { Aggregation, KeyKind, ValueProblemReason };

export interface Meter {
  id: string;
  slug: string;
  name?: string;
  description?: string;
  aggregation: Aggregation;
  eventType: string;
  valueProperty?: string;
  groupBy: Record<string, string>;
  metadata?: Record<string, string>;
}

export interface Me {
  accountId: string;
  accountName: string;
  keyKind: KeyKind;
  subject: string | null;
}

export interface UsageRow {
  value: number;
  windowStart: string;
  windowEnd: string;
  subject: string | null;
  /** Grouped by customer_id: the subject's customer (null: none). */
  customerId?: string | null;
  groupBy?: Record<string, string | null>;
  /** The rows of every group outside the top ones of a query with `limit` (docs/group-by-tails.md). */
  other?: boolean;
}

/** A customer (GET /api/v1/customers, secret keys only). */
export interface Customer {
  id: string;
  key?: string;
  name: string;
  usageAttribution: { subjectKeys: string[] };
}

export interface UsageResponse {
  from?: string;
  to?: string;
  windowSize?: string;
  data: UsageRow[];
}

/** One meter's problem with one stored event's value. */
export interface ValueProblem {
  meter: string;
  field: string;
  reason: ValueProblemReason;
  message: string;
}

/** A stored event as the event list answers it (v1 items, v2 `items`). */
export interface IngestedEvent {
  event: {
    id: string;
    source: string;
    specversion: string;
    type: string;
    subject: string;
    time?: string | null;
    data?: Record<string, unknown> | null;
  };
  ingestedAt: string;
  storedAt: string;
  validationError?: string;
  validationErrors?: ValueProblem[];
}

/** GET /api/v2/events: newest event time first; `nextCursor` absent at the end. */
export interface EventPage {
  items: IngestedEvent[];
  nextCursor?: string;
}

/** Why a meter does not count an event: not its type, before its eventFrom, or a value problem. */
export type NotCountedReason = 'other_event_type' | 'before_event_from' | ValueProblemReason;

/** What one meter makes of one event. */
export interface MeterExplanation {
  meter: string;
  name?: string;
  aggregation: Aggregation;
  eventType: string;
  counted: boolean;
  /** Null for UNIQUE_COUNT (see valueText) and when not counted. */
  value: number | null;
  valueText?: string | null;
  groupBy: Record<string, string | null>;
  reason?: NotCountedReason;
  message?: string;
}

/** GET /api/v1/events/explain: one event and every meter of the account on it. */
export interface EventExplanation {
  event: IngestedEvent;
  meters: MeterExplanation[];
}

/** A failed call, carrying the problem+json fields when the server sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export class ApiClient {
  constructor(
    private readonly key: string,
    private readonly baseUrl = '',
  ) {}

  me(): Promise<Me> {
    return this.getJson('/api/v1/me');
  }

  meters(): Promise<Meter[]> {
    return this.getJson('/api/v1/meters');
  }

  query(slug: string, params: URLSearchParams, signal?: AbortSignal): Promise<UsageResponse> {
    return this.getJson(`/api/v1/meters/${encodeURIComponent(slug)}/query?${params}`, signal);
  }

  /** The account's live customers (one page of up to 1000; secret keys only). */
  async customers(): Promise<Customer[]> {
    return (await this.getJson<{ items: Customer[] }>('/api/v1/customers?pageSize=1000')).items;
  }

  groupByValues(slug: string, dim: string, params: URLSearchParams): Promise<string[]> {
    const path =
      dim === 'subject'
        ? `/api/v1/meters/${encodeURIComponent(slug)}/subjects`
        : `/api/v1/meters/${encodeURIComponent(slug)}/group-by/${encodeURIComponent(dim)}/values`;
    return this.getJson(`${path}?${params}`);
  }

  /** `params`: limit, cursor, filter (JSON), hasProblems (see events-filter.ts). */
  events(params: URLSearchParams, signal?: AbortSignal): Promise<EventPage> {
    return this.getJson(`/api/v2/events?${params}`, signal);
  }

  explainEvent(source: string, id: string, signal?: AbortSignal): Promise<EventExplanation> {
    const q = new URLSearchParams({ source, id });
    return this.getJson(`/api/v1/events/explain?${q}`, signal);
  }

  /** Any JSON call (the Alerts page's routes): the body is sent as JSON; a 204 answers undefined. */
  async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.key}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiError(
        0,
        'Server unreachable',
        `Could not reach the Tally server (${String(err)}).`,
      );
    }
    if (!res.ok) throw await toApiError(res);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${this.key}`, Accept: 'application/json' },
        signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(
        0,
        'Server unreachable',
        `Could not reach the Tally server (${String(err)}).`,
      );
    }
    if (!res.ok) throw await toApiError(res);
    return (await res.json()) as T;
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    const title = typeof body.title === 'string' ? body.title : res.statusText;
    const detail = typeof body.detail === 'string' ? body.detail : '';
    return new ApiError(res.status, title || `HTTP ${res.status}`, detail);
  } catch {
    return new ApiError(res.status, res.statusText || `HTTP ${res.status}`, text.slice(0, 300));
  }
}

/** One sentence for a person: what failed and why. */
export function describeError(err: unknown, what: string): string {
  if (err instanceof ApiError) {
    const reason = err.detail || err.title;
    if (err.status === 401)
      return `${what} failed: the key was rejected (401 ${err.title}). ${reason}`;
    if (err.status === 403) return `${what} failed: this key may not do that (403). ${reason}`;
    if (err.status === 0) return `${what} failed: ${reason}`;
    return `${what} failed (${err.status} ${err.title}). ${err.detail}`.trim();
  }
  return `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
}
