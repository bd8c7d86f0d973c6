import { ulid } from 'ulid';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from '../contract/vocabulary.js';
import {
  ConflictError,
  type Issue,
  NotFoundError,
  ValidationError,
} from '../errors/domain-errors.js';
import type { StoredEvent } from '../ingest/stored-event.js';
import { parseJsonPath } from '../lib/json-path.js';
import type { Store } from '../store/ports.js';
import { type CompiledMeter, compileMeter, extractRow } from './extract.js';
import { MAX_DIMENSIONS, type MeterDefinition } from './meter-definition.js';
import type { MeterInput, MeterUpdate } from './meter-input.js';

const DIM_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateMeterInput(input: MeterInput): Issue[] {
  const issues: Issue[] = [];
  if (!SLUG_PATTERN.test(input.slug) || input.slug.length > SLUG_MAX_LENGTH) {
    issues.push({
      path: 'slug',
      message: `must match ${SLUG_PATTERN.source} and be at most ${SLUG_MAX_LENGTH} characters`,
    });
  }
  if (!input.eventType) issues.push({ path: 'eventType', message: 'is required' });
  if (input.aggregation !== 'COUNT') {
    if (!input.valueProperty) {
      issues.push({
        path: 'valueProperty',
        message: `is required for ${input.aggregation} meters`,
      });
    }
  }
  if (input.valueProperty) {
    const parsed = parseJsonPath(input.valueProperty);
    if (typeof parsed === 'string') issues.push({ path: 'valueProperty', message: parsed });
  }
  if (input.eventFrom !== undefined && Number.isNaN(Date.parse(input.eventFrom))) {
    issues.push({ path: 'eventFrom', message: 'must be an RFC 3339 date-time' });
  }
  issues.push(...validateGroupBy(input.groupBy ?? {}));
  return issues;
}

function validateGroupBy(groupBy: Record<string, string>): Issue[] {
  const issues: Issue[] = [];
  const entries = Object.entries(groupBy);
  if (entries.length > MAX_DIMENSIONS) {
    issues.push({ path: 'groupBy', message: `at most ${MAX_DIMENSIONS} dimensions` });
  }
  for (const [name, path] of entries) {
    if (!DIM_NAME.test(name) || name === 'subject') {
      issues.push({
        path: `groupBy.${name}`,
        message: 'name must be alphanumeric/underscore and not "subject"',
      });
    }
    const parsed = parseJsonPath(path);
    if (typeof parsed === 'string') issues.push({ path: `groupBy.${name}`, message: parsed });
  }
  return issues;
}

/**
 * Meter CRUD and the per-account extraction cache used by ingest. Creating a meter, or changing
 * what it extracts, backfills it from the stored raw events.
 */
export class MeterService {
  private cache = new Map<string, Map<string, CompiledMeter[]>>();
  private defs = new Map<string, MeterDefinition[]>();
  private loadedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    /** How long the extraction cache may serve before re-reading meters (other processes). */
    private readonly cacheTtlMs = 5_000,
  ) {}

  async list(accountId: string): Promise<MeterDefinition[]> {
    const meters = await this.store.listMeters(accountId);
    return meters.sort((a, b) => a.slug.localeCompare(b.slug));
  }

  /** The account's live meters, from the cache: ad-hoc meters look here for a stored twin. */
  async live(accountId: string): Promise<readonly MeterDefinition[]> {
    if (this.now() - this.loadedAt > this.cacheTtlMs) await this.reload();
    return this.defs.get(accountId) ?? [];
  }

  /** A live meter by slug or id, from the cache (every query starts here). */
  async get(accountId: string, idOrSlug: string): Promise<MeterDefinition> {
    const find = () =>
      this.defs.get(accountId)?.find((x) => x.slug === idOrSlug || x.id === idOrSlug);
    if (this.now() - this.loadedAt > this.cacheTtlMs) await this.reload();
    let m = find();
    if (!m) {
      // Another process may have just created it.
      await this.reload();
      m = find();
    }
    if (!m) throw new NotFoundError(`meter "${idOrSlug}" not found`);
    return m;
  }

  async create(accountId: string, input: MeterInput): Promise<MeterDefinition> {
    const issues = validateMeterInput(input);
    if (issues.length > 0) throw new ValidationError(issues);
    const existing = await this.store.listMeters(accountId);
    if (existing.some((m) => m.slug === input.slug)) {
      throw new ConflictError(`meter "${input.slug}" already exists`);
    }
    const at = new Date(this.now()).toISOString();
    const meter: MeterDefinition = {
      id: ulid(),
      accountId,
      slug: input.slug,
      name: input.name ?? input.slug,
      aggregation: input.aggregation,
      eventType: input.eventType,
      dimensions: Object.entries(input.groupBy ?? {}),
      createdAt: at,
      updatedAt: at,
    };
    if (input.description !== undefined) meter.description = input.description;
    if (input.metadata !== undefined) meter.metadata = input.metadata;
    if (input.eventFrom !== undefined) meter.eventFrom = new Date(input.eventFrom).toISOString();
    if (input.valueProperty !== undefined) meter.valueProperty = input.valueProperty;
    // Registered before the backfill so that events arriving meanwhile are extracted at ingest;
    // the backfill then rewrites every row of the meter from the raw events.
    await this.store.putMeter(meter);
    this.invalidate();
    await this.backfill(meter);
    return meter;
  }

  /**
   * Creates each preset meter the account does not have yet (compat profiles), and returns the
   * slugs it created. With `spareDeleted`, a preset the account deleted stays deleted: that is how
   * presets a newer release added reach accounts that enabled the profile before it.
   */
  async ensurePresets(
    accountId: string,
    presets: MeterInput[],
    spareDeleted = false,
  ): Promise<string[]> {
    const have = new Set((await this.store.listMeters(accountId, spareDeleted)).map((m) => m.slug));
    const created: string[] = [];
    for (const p of presets) {
      if (have.has(p.slug)) continue;
      await this.create(accountId, p);
      have.add(p.slug);
      created.push(p.slug);
    }
    return created;
  }

  async update(accountId: string, idOrSlug: string, patch: MeterUpdate): Promise<MeterDefinition> {
    const meter = await this.get(accountId, idOrSlug);
    if (patch.groupBy) {
      const issues = validateGroupBy(patch.groupBy);
      if (issues.length > 0) throw new ValidationError(issues);
    }
    const next: MeterDefinition = { ...meter, updatedAt: new Date(this.now()).toISOString() };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.metadata !== undefined) next.metadata = patch.metadata;
    if (patch.groupBy !== undefined) {
      const old = new Map(meter.dimensions);
      // Keep the slots of unchanged dimensions; a changed set of dimensions re-extracts old events.
      next.dimensions = Object.entries(patch.groupBy);
      const same =
        next.dimensions.length === meter.dimensions.length &&
        next.dimensions.every(([n, p], i) => meter.dimensions[i]?.[0] === n && old.get(n) === p);
      await this.store.putMeter(next);
      this.invalidate();
      if (!same) await this.backfill(next);
      return next;
    }
    await this.store.putMeter(next);
    this.invalidate();
    return next;
  }

  async delete(accountId: string, idOrSlug: string): Promise<void> {
    const meter = await this.get(accountId, idOrSlug);
    const at = new Date(this.now()).toISOString();
    await this.store.putMeter({ ...meter, deletedAt: at, updatedAt: at });
    await this.store.deleteMeterRows(meter.id);
    this.invalidate();
  }

  /** Compiled meters of an account by event type, for ingest. */
  async metersFor(accountId: string): Promise<Map<string, CompiledMeter[]>> {
    if (this.now() - this.loadedAt > this.cacheTtlMs) await this.reload();
    return this.cache.get(accountId) ?? new Map();
  }

  invalidate(): void {
    this.loadedAt = 0;
  }

  private async reload(): Promise<void> {
    const next = new Map<string, Map<string, CompiledMeter[]>>();
    const defs = new Map<string, MeterDefinition[]>();
    for (const m of await this.store.listAllMeters()) {
      defs.set(m.accountId, [...(defs.get(m.accountId) ?? []), m]);
      let byType = next.get(m.accountId);
      if (!byType) {
        byType = new Map();
        next.set(m.accountId, byType);
      }
      const list = byType.get(m.eventType) ?? [];
      list.push(compileMeter(m));
      byType.set(m.eventType, list);
    }
    this.cache = next;
    this.defs = defs;
    this.loadedAt = this.now();
  }

  /**
   * Rebuilds from the stored events every live meter of the account that counts one of `types`
   * (after a correction changed those events); answers the slugs rebuilt.
   */
  async rebuild(accountId: string, types: ReadonlySet<string>): Promise<string[]> {
    const slugs: string[] = [];
    // From the store, not the cache: another process may have created a meter a moment ago.
    for (const m of await this.list(accountId)) {
      if (!types.has(m.eventType)) continue;
      await this.backfill(m);
      slugs.push(m.slug);
    }
    return slugs;
  }

  private async backfill(meter: MeterDefinition): Promise<void> {
    const cm = compileMeter(meter);
    await this.store.replaceMeterRows(meter.id, meter.accountId, async (emit) => {
      await this.store.scanEvents(
        meter.accountId,
        meter.eventType,
        async (events: StoredEvent[]) => {
          const rows = [];
          for (const e of events) {
            const row = extractRow(cm, e.time, JSON.parse(e.data));
            if (row) rows.push({ ...row, time: e.time, subject: e.subject });
          }
          await emit(rows);
        },
      );
    });
  }
}
