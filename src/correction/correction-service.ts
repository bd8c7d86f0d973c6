// Corrections: void an event, replace it with a new version, or void every event matching a
// filter in an event-time range. The voided versions stay stored (a resend is still a duplicate,
// and `asOf` queries before the correction still count them); the meters of the events' types are
// rebuilt from the corrected events, rollups included. Each correction is an audit-log record,
// written `applying` before anything changes and `applied` once every meter is rebuilt, so that
// a restart finishes one a crash interrupted.

import { ulid } from 'ulid';
import type { CorrectionBody } from '../contract/corrections.js';
import { NotFoundError, ValidationError } from '../errors/domain-errors.js';
import { storedEventOf } from '../ingest/ingest-service.js';
import type { EventListQuery, EventMatch, StoredEvent } from '../ingest/stored-event.js';
import type { MeterService } from '../meter/meter-service.js';
import type { EventCorrector, EventReader, EventVoid, RecordRepo } from '../store/ports.js';
import { changedWindows } from './changed-windows.js';

/** Most event versions one correction voids; a larger filter is refused (narrow the range). */
export const MAX_CORRECTION_EVENTS = 100_000;
const PAGE = 1000;

export interface Corrector {
  accountId: string;
  keyId: string;
}

export interface VoidByFilter {
  filter: { subject?: string[]; type?: string[]; source?: string[] };
  from: number;
  to: number;
  dryRun: boolean;
  reason?: string;
}

/** What the audit record keeps beyond its public body: enough to finish the correction. */
interface AuditRecord extends CorrectionBody {
  /** Event types of the voided and the new versions: their meters are rebuilt. */
  types: string[];
  voids: EventVoid[];
  replacements: StoredEvent[];
}

type CorrectionStore = EventReader &
  EventCorrector &
  RecordRepo & {
    listAccounts(): Promise<{ id: string }[]>;
  };

export class CorrectionService {
  /** One correction at a time per process: ingest times of replacements stay ordered. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CorrectionStore,
    private readonly meters: MeterService,
    private readonly now: () => number = Date.now,
  ) {}

  voidEvent(by: Corrector, source: string, id: string, reason?: string): Promise<CorrectionBody> {
    return this.serial(async () => {
      const current = await this.current(by.accountId, source, id);
      const at = this.instant(current);
      return this.apply(by, at, {
        kind: 'void',
        target: { source, id },
        voided: [current],
        replacements: [],
        reason,
      });
    });
  }

  replaceEvent(by: Corrector, event: unknown, reason?: string): Promise<CorrectionBody> {
    return this.serial(async () => {
      const { source, id } = event as { source: string; id: string };
      const current = await this.current(by.accountId, source, id);
      const at = this.instant(current);
      const next = storedEventOf(by.accountId, event, at);
      if (typeof next === 'string') {
        throw new ValidationError([{ path: 'event', message: next }]);
      }
      return this.apply(by, at, {
        kind: 'replace',
        target: { source, id },
        voided: [current],
        replacements: [next],
        reason,
      });
    });
  }

  voidByFilter(by: Corrector, v: VoidByFilter): Promise<CorrectionBody> {
    if (!(v.from < v.to)) {
      throw new ValidationError([{ path: 'to', message: 'must be after from' }]);
    }
    return this.serial(async () => {
      const matched = await this.matching(by.accountId, v);
      const target = {
        filter: v.filter,
        from: new Date(v.from).toISOString(),
        to: new Date(v.to).toISOString(),
      };
      if (v.dryRun) {
        const meters = await this.meters.list(by.accountId);
        return {
          id: '',
          kind: 'void_by_filter' as const,
          createdAt: new Date(this.now()).toISOString(),
          keyId: by.keyId,
          ...(v.reason === undefined ? {} : { reason: v.reason }),
          target,
          events: matched.length,
          replaced: 0,
          windows: changedWindows(matched, meters),
          status: 'applied' as const,
          dryRun: true,
        };
      }
      let at = this.now();
      for (const e of matched) at = Math.max(at, e.ingestedAt + 1);
      return this.apply(by, at, {
        kind: 'void_by_filter',
        target,
        voided: matched,
        replacements: [],
        reason: v.reason,
      });
    });
  }

  /** The account's audit log, newest first. */
  async list(accountId: string): Promise<CorrectionBody[]> {
    const records = await this.store.listRecords('audit_log', accountId);
    return records.map((r) => publicBody(JSON.parse(r.body) as AuditRecord)).reverse();
  }

  /** Finishes the corrections a stop or crash interrupted (run once at start). */
  async resume(): Promise<number> {
    let finished = 0;
    for (const account of await this.store.listAccounts()) {
      for (const r of await this.store.listRecords('audit_log', account.id)) {
        const record = JSON.parse(r.body) as AuditRecord;
        if (record.status !== 'applying') continue;
        await this.serial(() => this.finish(account.id, record));
        finished++;
      }
    }
    return finished;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The version of (source, id) that counts now. */
  private async current(accountId: string, source: string, id: string): Promise<StoredEvent> {
    const [found] = await this.store.listEvents({
      accountId,
      match: [
        { field: 'source', op: 'eq', values: [source] },
        { field: 'id', op: 'eq', values: [id] },
      ],
      limit: 1,
    });
    if (!found) throw new NotFoundError(`no event with source "${source}" and id "${id}"`);
    return found;
  }

  /** A correction's instant: now, or just after the version it voids if the clock says earlier. */
  private instant(voided: StoredEvent): number {
    return Math.max(this.now(), voided.ingestedAt + 1);
  }

  private async matching(accountId: string, v: VoidByFilter): Promise<StoredEvent[]> {
    const match: EventMatch[] = [];
    for (const field of ['subject', 'type', 'source'] as const) {
      const values = v.filter[field];
      if (values) match.push({ field, op: 'in', values });
    }
    // The listing's bounds are inclusive; the range is [from, to).
    const q: EventListQuery = { accountId, from: v.from, to: v.to - 1, match, limit: PAGE };
    const out: StoredEvent[] = [];
    for (;;) {
      const page = await this.store.listEvents(q);
      out.push(...page);
      if (out.length > MAX_CORRECTION_EVENTS) {
        throw new ValidationError([
          {
            path: 'filter',
            message: `matches more than ${MAX_CORRECTION_EVENTS} events: narrow the filter or the time range and correct in parts`,
          },
        ]);
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) return out;
      q.after = { time: last.time, source: last.source, id: last.id };
    }
  }

  private async apply(
    by: Corrector,
    at: number,
    c: {
      kind: CorrectionBody['kind'];
      target: CorrectionBody['target'];
      voided: StoredEvent[];
      replacements: StoredEvent[];
      reason: string | undefined;
    },
  ): Promise<CorrectionBody> {
    const id = ulid(at);
    const meters = await this.meters.list(by.accountId);
    const record: AuditRecord = {
      id,
      kind: c.kind,
      createdAt: new Date(at).toISOString(),
      keyId: by.keyId,
      ...(c.reason === undefined ? {} : { reason: c.reason }),
      target: c.target,
      events: c.voided.length,
      replaced: c.replacements.length,
      windows: changedWindows([...c.voided, ...c.replacements], meters),
      status: 'applying',
      voids: c.voided.map((e) => ({
        source: e.source,
        id: e.id,
        ingestedAt: e.ingestedAt,
        voidedAt: at,
        correctionId: id,
      })),
      replacements: c.replacements,
      types: [...new Set([...c.voided, ...c.replacements].map((e) => e.type))],
    };
    await this.save(by.accountId, record);
    return this.finish(by.accountId, record);
  }

  /** Stores the voids and replacements not stored yet, rebuilds the meters, marks it applied. */
  private async finish(accountId: string, record: AuditRecord): Promise<CorrectionBody> {
    const missing: StoredEvent[] = [];
    for (const e of record.replacements) {
      const stored = await this.store.listEvents({
        accountId,
        match: [
          { field: 'source', op: 'eq', values: [e.source] },
          { field: 'id', op: 'eq', values: [e.id] },
        ],
        limit: 1,
      });
      if (!stored.some((s) => s.ingestedAt === e.ingestedAt)) missing.push(e);
    }
    await this.store.correctEvents(accountId, record.voids, missing);
    await this.meters.rebuild(accountId, new Set(record.types));
    record.status = 'applied';
    await this.save(accountId, record);
    return publicBody(record);
  }

  private save(accountId: string, record: AuditRecord): Promise<void> {
    return this.store.putRecord({
      collection: 'audit_log',
      accountId,
      id: record.id,
      body: JSON.stringify(record),
    });
  }
}

function publicBody(r: AuditRecord): CorrectionBody {
  const { voids: _voids, replacements: _replacements, types: _types, ...body } = r;
  return body;
}
