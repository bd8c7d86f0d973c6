import { NotFoundError, ValidationError } from '../errors/domain-errors.js';
import type { MeterDefinition } from '../meter/meter-definition.js';
import type { MeterService } from '../meter/meter-service.js';
import type { UsageReader } from '../store/ports.js';
import { CellBudget, DEFAULT_QUERY_LIMITS, type QueryLimits, tooManyCells } from './cost.js';
import {
  evaluateCoverage,
  evaluateFirstSeen,
  evaluateNumeric,
  evaluateUnique,
} from './evaluate.js';
import { queryGroupTails } from './group-tails.js';
import {
  adHocMeter,
  compileInlineMeter,
  type InlineMeter,
  matchStoredMeter,
} from './inline-meter.js';
import {
  type MetricsQuery,
  type MetricsResult,
  runMetricsQuery,
  runTotalsQuery,
  type TotalsQuery,
} from './metrics-query.js';
import type { BaseUsageQuery, EventSource } from './planned-query.js';
import { planUsage, type UsagePlan } from './planner.js';
import type { UsageQuery, UsageResult } from './usage-query.js';

export type QueryObserver = (durationMs: number) => void;

/** Answers usage queries: plans them, asks the store for partials, evaluates the result. */
export class UsageService {
  constructor(
    private readonly meters: MeterService,
    private readonly store: UsageReader,
    private readonly observe: QueryObserver = () => undefined,
    private readonly limits: QueryLimits = DEFAULT_QUERY_LIMITS,
  ) {}

  /**
   * `restrictSubject` confines the query to one subject (subject-bound keys); `share` is the part of
   * the cell budget this query may use when it is one of several answering one request.
   */
  async query(
    accountId: string,
    q: UsageQuery,
    restrictSubject?: string | readonly string[],
    share = 1,
  ): Promise<UsageResult> {
    if (q.limit !== undefined && q.groupBy.length > 0) {
      const limited = { ...q, limit: q.limit };
      return queryGroupTails((one) => this.query(accountId, one, restrictSubject, share), limited);
    }
    const started = performance.now();
    const { meter, source } = await this.resolveMeter(accountId, q);
    const max = Math.max(1, Math.floor(this.limits.maxCells * share));
    const plan = planUsage(meter, q, restrictSubject, max, source);
    await this.checkCost(plan, max);
    const budget = new CellBudget(max, plan.windows.length);
    // One row more than the budget tells a result that is too large from one that just fits.
    const sq: BaseUsageQuery = { ...plan.store, rowLimit: max + 1 };
    const partials = <T>(rows: T[]): T[] => {
      budget.checkStoreRows(rows.length);
      return rows;
    };
    let rows: UsageResult['rows'];
    if (meter.aggregation !== 'UNIQUE_COUNT') {
      rows = evaluateNumeric(plan, partials(await this.store.aggregateNumeric(sq)), budget);
    } else if (plan.mode.kind === 'cumulative') {
      const period = plan.mode.periodBucket;
      rows = evaluateFirstSeen(
        plan,
        partials(await this.store.uniqueFirstSeen(sq, period)),
        budget,
      );
    } else if (plan.mode.kind === 'rolling') {
      const span = plan.mode.span;
      rows = evaluateCoverage(plan, partials(await this.store.uniqueCoverage(sq, span)), budget);
    } else {
      rows = evaluateUnique(plan, partials(await this.store.aggregateUnique(sq)), budget);
    }
    this.observe(performance.now() - started);
    const result: UsageResult = { from: q.from, to: q.to, timeZone: q.timeZone, rows };
    if (plan.windowSize) result.windowSize = plan.windowSize;
    return result;
  }

  /**
   * The meter that answers `q`: the stored one it names, or for an inline meter a stored meter
   * holding the same numbers (its rows are already extracted), else the raw events.
   */
  private async resolveMeter(
    accountId: string,
    q: UsageQuery,
  ): Promise<{ meter: MeterDefinition; source?: EventSource }> {
    if (q.asOf !== undefined) return this.asOfSource(accountId, q, q.asOf);
    if (!q.inlineMeter) return { meter: await this.meters.get(accountId, q.meterSlug) };
    const source = compileInlineMeter(q.inlineMeter);
    const stored = matchStoredMeter(q.inlineMeter, await this.meters.live(accountId));
    if (stored) return { meter: stored };
    if (!this.store.readsRawEvents) throw rawEventsUnsupported(q.inlineMeter);
    return { meter: adHocMeter(accountId, q.meterSlug, q.inlineMeter), source };
  }

  /**
   * The meter read from the raw events as they stood at `asOf`: stored meter rows hold the
   * events as they stand now, so a past state is extracted again, with the same rules.
   */
  private async asOfSource(
    accountId: string,
    q: UsageQuery,
    asOf: number,
  ): Promise<{ meter: MeterDefinition; source: EventSource }> {
    if (!this.store.readsRawEvents) {
      throw new ValidationError([
        {
          path: 'asOf',
          message:
            'this store cannot read fields from raw events (ClickHouse before 19.x has no JSON functions), and a past state is read from them: upgrade ClickHouse to query asOf',
        },
      ]);
    }
    const inline = q.inlineMeter ?? inlineOf(await this.meters.get(accountId, q.meterSlug));
    const meter = q.inlineMeter
      ? adHocMeter(accountId, q.meterSlug, q.inlineMeter)
      : await this.meters.get(accountId, q.meterSlug);
    return { meter, source: { ...compileInlineMeter(inline), asOf } };
  }

  /**
   * Refuses, before the store aggregates anything, a query whose windows x estimated groups exceed
   * the cell budget. The estimate is approximate; the budget counted during evaluation is exact.
   */
  private async checkCost(plan: UsagePlan, max: number): Promise<void> {
    if (plan.store.groupBy.length === 0) return;
    const windows = plan.windows.length;
    const groups = await this.store.estimateGroups({
      ...plan.store,
      enough: Math.floor(max / windows),
    });
    if (windows * groups > max) throw tooManyCells(windows, groups, max, 'estimated');
  }

  /** Several meters and expressions over them, joined per window and group. */
  queryMetrics(
    accountId: string,
    q: MetricsQuery,
    restrictSubject?: string | readonly string[],
  ): Promise<MetricsResult> {
    return runMetricsQuery((one, share) => this.query(accountId, one, restrictSubject, share), q);
  }

  /** One total per metric over the range (0 when nothing was counted). */
  queryTotals(
    accountId: string,
    q: TotalsQuery,
    restrictSubject?: string | readonly string[],
  ): Promise<Record<string, number>> {
    return runTotalsQuery((one, share) => this.query(accountId, one, restrictSubject, share), q);
  }

  /** Distinct subjects or values of one dimension seen in [from, to). */
  async distinctValues(
    accountId: string,
    meterSlug: string,
    dimension: string,
    from: number,
    to: number,
    restrictSubject?: string | readonly string[],
  ): Promise<string[]> {
    // A customer-bound key reads several subjects: the union of each one's values is exact.
    if (typeof restrictSubject === 'object') {
      const lists = [];
      for (const one of restrictSubject) {
        lists.push(await this.distinctValues(accountId, meterSlug, dimension, from, to, one));
      }
      if (restrictSubject.length === 0) await this.meters.get(accountId, meterSlug);
      return [...new Set(lists.flat())].sort().slice(0, 10_000);
    }
    const meter = await this.meters.get(accountId, meterSlug);
    if (dimension === 'subject' && restrictSubject !== undefined) return [restrictSubject];
    const slot = meter.dimensions.findIndex(([n]) => n === dimension);
    if (dimension !== 'subject' && slot < 0) {
      throw new NotFoundError(`meter ${meter.slug} has no dimension "${dimension}"`);
    }
    return this.store.distinctValues({
      accountId,
      meterId: meter.id,
      dim: dimension === 'subject' ? { kind: 'subject' } : { kind: 'dim', slot },
      from,
      to,
      limit: 10_000,
      ...(restrictSubject === undefined ? {} : { subject: restrictSubject }),
    });
  }
}

/** A stored meter's shape as an inline meter (its dimensions in slot order). */
function inlineOf(m: MeterDefinition): InlineMeter {
  const inline: InlineMeter = {
    aggregation: m.aggregation,
    eventType: m.eventType,
    groupBy: Object.fromEntries(m.dimensions),
  };
  if (m.valueProperty !== undefined) inline.valueProperty = m.valueProperty;
  if (m.eventFrom !== undefined) inline.eventFrom = m.eventFrom;
  return inline;
}

/**
 * A clear refusal where the store cannot extract fields from raw events: the caller learns which
 * meter would answer, instead of meeting an SQL error.
 */
function rawEventsUnsupported(m: InlineMeter): ValidationError {
  const dims = Object.values(m.groupBy);
  const shape = [
    `${m.aggregation} of events of type "${m.eventType}"`,
    m.valueProperty ? `value ${m.valueProperty}` : '',
    dims.length ? `grouped by ${dims.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return new ValidationError([
    {
      path: '',
      message: `no stored meter holds ${shape}, and this store cannot read fields from raw events (ClickHouse before 19.x has no JSON functions): create a meter with that value and those dimensions, or upgrade ClickHouse`,
    },
  ]);
}
