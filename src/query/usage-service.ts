import { NotFoundError } from '../errors/domain-errors.js';
import type { MeterService } from '../meter/meter-service.js';
import type { UsageReader } from '../store/ports.js';
import {
  evaluateCoverage,
  evaluateFirstSeen,
  evaluateNumeric,
  evaluateUnique,
} from './evaluate.js';
import {
  type MetricsQuery,
  type MetricsResult,
  runMetricsQuery,
  runTotalsQuery,
  type TotalsQuery,
} from './metrics-query.js';
import { planUsage } from './planner.js';
import type { UsageQuery, UsageResult } from './usage-query.js';

export type QueryObserver = (durationMs: number) => void;

/** Answers usage queries: plans them, asks the store for partials, evaluates the result. */
export class UsageService {
  constructor(
    private readonly meters: MeterService,
    private readonly store: UsageReader,
    private readonly observe: QueryObserver = () => undefined,
  ) {}

  /** `restrictSubject` confines the query to one subject (subject-bound keys). */
  async query(accountId: string, q: UsageQuery, restrictSubject?: string): Promise<UsageResult> {
    const started = performance.now();
    const meter = await this.meters.get(accountId, q.meterSlug);
    const plan = planUsage(meter, q, restrictSubject);
    let rows: UsageResult['rows'];
    if (meter.aggregation !== 'UNIQUE_COUNT') {
      rows = evaluateNumeric(plan, await this.store.aggregateNumeric(plan.store));
    } else if (plan.mode.kind === 'cumulative') {
      rows = evaluateFirstSeen(
        plan,
        await this.store.uniqueFirstSeen(plan.store, plan.mode.periodBucket),
      );
    } else if (plan.mode.kind === 'rolling') {
      rows = evaluateCoverage(plan, await this.store.uniqueCoverage(plan.store, plan.mode.span));
    } else {
      rows = evaluateUnique(plan, await this.store.aggregateUnique(plan.store));
    }
    this.observe(performance.now() - started);
    const result: UsageResult = { from: q.from, to: q.to, timeZone: q.timeZone, rows };
    if (plan.windowSize) result.windowSize = plan.windowSize;
    return result;
  }

  /** Several meters and expressions over them, joined per window and group. */
  queryMetrics(
    accountId: string,
    q: MetricsQuery,
    restrictSubject?: string,
  ): Promise<MetricsResult> {
    return runMetricsQuery((one) => this.query(accountId, one, restrictSubject), q);
  }

  /** One total per metric over the range (0 when nothing was counted). */
  queryTotals(
    accountId: string,
    q: TotalsQuery,
    restrictSubject?: string,
  ): Promise<Record<string, number>> {
    return runTotalsQuery((one) => this.query(accountId, one, restrictSubject), q);
  }

  /** Distinct subjects or values of one dimension seen in [from, to). */
  async distinctValues(
    accountId: string,
    meterSlug: string,
    dimension: string,
    from: number,
    to: number,
    restrictSubject?: string,
  ): Promise<string[]> {
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
