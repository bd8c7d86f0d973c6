// The typed-array side of a run: the floor for every figure, one core, no engine.
import { batchBody, type Dataset } from './dataset.js';
import { median, nowMs, timeRuns } from './stats.js';
import {
  typedDashboard,
  typedIngest,
  typedMonthlyActive,
  typedMonthlySum,
} from './typed-baseline.js';
import type { DashboardCase } from './workload.js';

export interface Signatures {
  dash: number;
  monthly: number;
  mau: number;
}

export interface TypedResult {
  ingestMs: number;
  dash: number[];
  monthlyMs: number;
  mauMs: number;
  sig: Signatures;
  /** JSON.parse alone of whole batch bodies, one thread: what any server pays first. */
  jsonParsePerSecond: number;
  /** Bytes of the loop's columns (time, subject, four dimension codes, value, user). */
  bytes: number;
}

/** Bytes per event of the loop's columns. */
export const TYPED_BYTES_PER_EVENT = 8 + 2 + 4 + 8 + 4;

export const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);

export async function runTypedSide(
  data: Dataset,
  tag: string,
  runs: number,
  caseAt: (i: number) => DashboardCase,
): Promise<TypedResult> {
  const ingestMs = median(await timeRuns(3, () => typedIngest(data)));
  // At most 50 whole batches: a smaller --events has fewer.
  const parseBodies = Array.from({ length: Math.min(50, Math.floor(data.n / 1000)) }, (_, k) =>
    batchBody(data, k * 1000, k * 1000 + 1000, tag).toString(),
  );
  const t = nowMs();
  for (const b of parseBodies) JSON.parse(b);
  const jsonParsePerSecond = ((parseBodies.length * 1000) / (nowMs() - t)) * 1000;
  const dash = await timeRuns(runs, (i) => typedDashboard(data, caseAt(i)));
  const monthlyMs = median(await timeRuns(5, () => typedMonthlySum(data)));
  const mauMs = median(await timeRuns(5, () => typedMonthlyActive(data)));
  return {
    ingestMs,
    dash,
    monthlyMs,
    mauMs,
    sig: typedSignatures(data, caseAt(0)),
    jsonParsePerSecond,
    bytes: data.n * TYPED_BYTES_PER_EVENT,
  };
}

/** The answers' signatures, which every side must reproduce. */
export function typedSignatures(data: Dataset, first: DashboardCase): Signatures {
  return {
    dash: typedDashboard(data, first),
    monthly: sum(typedMonthlySum(data)),
    mau: sum(typedMonthlyActive(data)),
  };
}
