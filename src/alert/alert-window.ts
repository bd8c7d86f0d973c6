// The span a rule's value covers at a moment: the current period in the rule's time zone (HOUR,
// DAY, MONTH: the value is the period to date), or the trailing window of a rolling rule. The
// period's start names it: a crossing fires once per period, and re-arms in the next one.
import { DateTime } from 'luxon';
import type { AlertRule } from '../contract/alerts.js';
import { ValidationError } from '../errors/domain-errors.js';
import { parseZone } from '../lib/time/zone.js';

export interface AlertWindow {
  from: number;
  /** Exclusive. */
  to: number;
  /** Names the period of a period rule; 'rolling' for rolling rules (their re-arms count instead). */
  key: string;
}

const UNIT = { HOUR: 'hour', DAY: 'day', MONTH: 'month' } as const;

export function alertWindow(rule: AlertRule, now: number): AlertWindow {
  if (rule.kind === 'rolling') {
    // The current instant is inside the window: an event stamped "now" counts at once.
    return { from: now + 1 - (rule.windowMinutes ?? 60) * 60_000, to: now + 1, key: 'rolling' };
  }
  const zone = parseZone(rule.timeZone);
  if (!zone) throw new ValidationError([{ path: 'timeZone', message: 'is not a known time zone' }]);
  const unit = UNIT[rule.period ?? 'MONTH'];
  const start = DateTime.fromMillis(now, { zone }).startOf(unit);
  const from = start.toMillis();
  // The whole period: an event stamped later in it (a clock ahead of ours) counts too.
  const to = start.plus({ [`${unit}s`]: 1 }).toMillis();
  return { from, to, key: new Date(from).toISOString() };
}

/** The value that fires threshold `t` of the rule (a percentage of `limit` when it has one). */
export function thresholdValue(rule: Pick<AlertRule, 'limit'>, t: number): number {
  return rule.limit === undefined ? t : (rule.limit * t) / 100;
}
