// The physical floor: the same work as a plain single-core loop over typed arrays, no engine.
import { type Dataset, SUBJECTS, USERS_PER_SUBJECT, YEAR_START } from './dataset.js';
import { DAY_MS, type DashboardCase, HOUR_MS, monthOfDay, timeRange } from './workload.js';

/** Ingest floor: appending the rows (event columns plus the two meter rows) into column arrays. */
export function typedIngest(d: Dataset): number {
  const n = d.n;
  const time = new Float64Array(n);
  const subject = new Uint16Array(n);
  const dims = new Uint8Array(n * 4);
  const value = new Float64Array(n);
  const user = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = d.time[i] ?? 0;
    subject[i] = d.subject[i] ?? 0;
    dims[i * 4] = d.model[i] ?? 0;
    dims[i * 4 + 1] = d.region[i] ?? 0;
    dims[i * 4 + 2] = d.project[i] ?? 0;
    dims[i * 4 + 3] = d.env[i] ?? 0;
    value[i] = d.tokens[i] ?? 0;
    user[i] = d.user[i] ?? 0;
  }
  return (time[n - 1] ?? 0) + (value[n - 1] ?? 0) + (user[0] ?? 0);
}

/** Hourly sums by project for one subject over 30 days; returns the grand total (the signature). */
export function typedDashboard(d: Dataset, c: DashboardCase): number {
  const [a, b] = timeRange(d, c.from, c.to);
  const hours = Math.ceil((c.to - c.from) / HOUR_MS);
  const sums = new Float64Array(hours * 3);
  for (let i = a; i < b; i++) {
    if (d.subject[i] !== c.subject) continue;
    const h = Math.floor(((d.time[i] ?? 0) - c.from) / HOUR_MS);
    const k = h * 3 + (d.project[i] ?? 0);
    sums[k] = (sums[k] ?? 0) + (d.tokens[i] ?? 0);
  }
  let total = 0;
  for (const s of sums) total += s;
  return total;
}

/** Monthly token sums over the year, all subjects; returns the 12 sums. */
export function typedMonthlySum(d: Dataset): Float64Array {
  const month = monthOfDay();
  const sums = new Float64Array(12);
  for (let i = 0; i < d.n; i++) {
    const day = Math.floor(((d.time[i] ?? 0) - YEAR_START) / DAY_MS);
    const m = month[day] ?? 0;
    sums[m] = (sums[m] ?? 0) + (d.tokens[i] ?? 0);
  }
  return sums;
}

/**
 * Month-to-date distinct users with daily points: since rows are in time order, a user's first row
 * in a month is its first-seen day; the daily point is the running count within the month.
 */
export function typedMonthlyActive(d: Dataset): Float64Array {
  const month = monthOfDay();
  const seenInMonth = new Int8Array(SUBJECTS * USERS_PER_SUBJECT).fill(-1);
  const newPerDay = new Float64Array(365);
  for (let i = 0; i < d.n; i++) {
    const day = Math.floor(((d.time[i] ?? 0) - YEAR_START) / DAY_MS);
    const m = month[day] ?? 0;
    const u = d.user[i] ?? 0;
    if (seenInMonth[u] !== m) {
      seenInMonth[u] = m;
      newPerDay[day] = (newPerDay[day] ?? 0) + 1;
    }
  }
  const points = new Float64Array(365);
  let acc = 0;
  for (let day = 0; day < 365; day++) {
    if (day > 0 && month[day] !== month[day - 1]) acc = 0;
    acc += newPerDay[day] ?? 0;
    points[day] = acc;
  }
  return points;
}
