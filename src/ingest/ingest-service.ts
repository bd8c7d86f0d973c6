import { type CloudEvent, CloudEventSchema, type IngestSummary } from '../contract/event.js';
import { UnavailableError } from '../errors/domain-errors.js';
import { type CompiledMeter, extractRow } from '../meter/extract.js';
import type { MeterService } from '../meter/meter-service.js';
import type { EventWriter, IngestItem, MeterRow } from '../store/ports.js';

/** One candidate from a request body: a parsed value, or why it could not be parsed. */
export type Candidate = { value: unknown } | { error: string };

export type IngestObserver = (summary: IngestSummary) => void;

export interface IngestOptions {
  /** Events accepted into the write queue at once; beyond it ingest answers "unavailable". */
  maxInFlightEvents: number;
}

/**
 * Validates events, extracts meter rows and hands good events to the store in one durable append.
 * A bad event never costs the good ones: each is judged alone and reported by index.
 */
export class IngestService {
  private inFlight = 0;

  constructor(
    private readonly store: EventWriter,
    private readonly meters: MeterService,
    private readonly options: IngestOptions,
    private readonly observe: IngestObserver = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get queuedEvents(): number {
    return this.inFlight;
  }

  async ingest(accountId: string, candidates: Candidate[]): Promise<IngestSummary> {
    if (this.inFlight + candidates.length > this.options.maxInFlightEvents && this.inFlight > 0) {
      throw new UnavailableError('the ingest queue is full; retry shortly', 1);
    }
    const receivedAt = this.now();
    const meters = await this.meters.metersFor(accountId);
    const rejected: IngestSummary['rejected'] = [];
    const items: IngestItem[] = [];
    const positions: number[] = [];
    candidates.forEach((c, index) => {
      if ('error' in c) {
        rejected.push({ index, id: null, reason: c.error });
        return;
      }
      const parsed = CloudEventSchema.safeParse(c.value);
      if (!parsed.success) {
        rejected.push({ index, id: idOf(c.value), reason: describe(parsed.error.issues) });
        return;
      }
      items.push(toItem(accountId, parsed.data, receivedAt, meters));
      positions.push(index);
    });
    let duplicates = 0;
    if (items.length > 0) {
      this.inFlight += items.length;
      try {
        duplicates = (await this.store.append(items)).duplicates.length;
      } finally {
        this.inFlight -= items.length;
      }
    }
    const summary = { accepted: items.length - duplicates, duplicates, rejected };
    this.observe(summary);
    return summary;
  }
}

function toItem(
  accountId: string,
  e: CloudEvent,
  receivedAt: number,
  meters: Map<string, CompiledMeter[]>,
): IngestItem {
  const time = e.time ? Date.parse(e.time) : receivedAt;
  const data = e.data ?? null;
  const rows: MeterRow[] = [];
  for (const cm of meters.get(e.type) ?? []) {
    const row = extractRow(cm, time, data);
    if (row) rows.push(row);
  }
  return {
    event: {
      accountId,
      id: e.id,
      source: e.source,
      type: e.type,
      subject: e.subject,
      time,
      ingestedAt: receivedAt,
      data: JSON.stringify(data),
    },
    rows,
  };
}

function idOf(v: unknown): string | null {
  if (v && typeof v === 'object' && 'id' in v && typeof v.id === 'string') return v.id;
  return null;
}

function describe(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : 'event'}: ${i.message}`)
    .join('; ');
}
