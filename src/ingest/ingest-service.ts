import { type CloudEvent, CloudEventSchema, type IngestSummary } from '../contract/event.js';
import { UnavailableError } from '../errors/domain-errors.js';
import { type CompiledMeter, extract, type ValueProblem } from '../meter/extract.js';
import type { MeterService } from '../meter/meter-service.js';
import type { EventWriter, IngestItem, MeterRow } from '../store/ports.js';
import { dataProblem } from './data-limits.js';

/** One candidate from a request body: a parsed value, or why it could not be parsed. */
export type Candidate = { value: unknown } | { error: string };

/**
 * Called once per request. `counted` holds the value problems of the events stored by this
 * request (duplicates left out, so that a retried batch is not counted twice).
 */
export type IngestObserver = (summary: IngestSummary, counted: ValueProblem[]) => void;

export interface IngestOptions {
  /** Events accepted into the write queue at once; beyond it ingest answers "unavailable". */
  maxInFlightEvents: number;
}

export interface IngestCaller {
  /** A key bound to a subject writes only that subject's events. */
  boundSubject?: string | undefined;
}

type EventProblems = NonNullable<IngestSummary['problems']>;

/**
 * Validates events, extracts meter rows and hands good events to the store in one durable append.
 * A bad event never costs the good ones: each is judged alone and reported by index, and any step
 * of that judgement that throws rejects only its own event.
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

  async ingest(
    accountId: string,
    candidates: Candidate[],
    caller: IngestCaller = {},
  ): Promise<IngestSummary> {
    if (this.inFlight + candidates.length > this.options.maxInFlightEvents && this.inFlight > 0) {
      throw new UnavailableError('the ingest queue is full; retry shortly', 1);
    }
    const receivedAt = this.now();
    const meters = await this.meters.metersFor(accountId);
    const rejected: IngestSummary['rejected'] = [];
    const problems: EventProblems = [];
    const items: IngestItem[] = [];
    // Per item: its value problems, for the metric once the store has said which were new.
    const itemProblems: ValueProblem[][] = [];
    candidates.forEach((c, index) => {
      if ('error' in c) {
        rejected.push({ index, id: null, reason: c.error });
        return;
      }
      let judged: { item: IngestItem; problems: ValueProblem[] } | string;
      try {
        judged = judge(accountId, c.value, receivedAt, meters, caller);
      } catch (err) {
        judged = `the event could not be processed: ${(err as Error).message}`;
      }
      if (typeof judged === 'string') {
        rejected.push({ index, id: idOf(c.value), reason: judged });
        return;
      }
      items.push(judged.item);
      itemProblems.push(judged.problems);
      for (const p of judged.problems) problems.push({ index, id: judged.item.event.id, ...p });
    });
    let duplicates: number[] = [];
    if (items.length > 0) {
      this.inFlight += items.length;
      try {
        duplicates = (await this.store.append(items)).duplicates;
      } finally {
        this.inFlight -= items.length;
      }
    }
    const summary: IngestSummary = {
      accepted: items.length - duplicates.length,
      duplicates: duplicates.length,
      rejected,
    };
    if (problems.length > 0) summary.problems = problems;
    const known = new Set(duplicates);
    this.observe(
      summary,
      itemProblems.flatMap((ps, i) => (known.has(i) ? [] : ps)),
    );
    return summary;
  }
}

/** The item to store for one candidate and its value problems, or why it is rejected. */
function judge(
  accountId: string,
  value: unknown,
  receivedAt: number,
  meters: Map<string, CompiledMeter[]>,
  caller: IngestCaller,
): { item: IngestItem; problems: ValueProblem[] } | string {
  const parsed = CloudEventSchema.safeParse(value);
  if (!parsed.success) return describe(parsed.error.issues);
  const e = parsed.data;
  if (caller.boundSubject !== undefined && e.subject !== caller.boundSubject) {
    return `subject: this key is bound to subject "${caller.boundSubject}" and may not write events for another subject`;
  }
  // The data as sent, not zod's copy: the copy drops an own "__proto__" key, and data is stored
  // verbatim. The schema has already checked that it is an object, null or absent.
  const data = (value as { data?: unknown }).data ?? null;
  const problem = dataProblem(data);
  if (problem) return problem;
  return toItem(accountId, e, data, receivedAt, meters);
}

function toItem(
  accountId: string,
  e: CloudEvent,
  data: unknown,
  receivedAt: number,
  meters: Map<string, CompiledMeter[]>,
): { item: IngestItem; problems: ValueProblem[] } {
  const time = e.time ? Date.parse(e.time) : receivedAt;
  const rows: MeterRow[] = [];
  const problems: ValueProblem[] = [];
  for (const cm of meters.get(e.type) ?? []) {
    const extraction = extract(cm, time, data);
    if (!extraction) continue;
    rows.push(extraction.row);
    if (extraction.problem) problems.push(extraction.problem);
  }
  const item: IngestItem = {
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
  return { item, problems };
}

/** The id of a rejected event, to help the sender find it; not when it is absurdly long. */
function idOf(v: unknown): string | null {
  if (!v || typeof v !== 'object' || !('id' in v)) return null;
  const id = (v as { id: unknown }).id;
  return typeof id === 'string' && id.length <= 256 ? id : null;
}

function describe(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : 'event'}: ${i.message}`)
    .join('; ');
}
