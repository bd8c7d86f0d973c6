// The Wowza entity table read against the usage guide: what each entity kind reports, that the
// average viewing time is viewing seconds per unique viewer as a whole number, and how each list
// is paginated (transcoders by page number, the others by next_page_key).

import { describe, expect, it } from 'vitest';
import { resolveAutoWindow } from '../../../query/auto-window.js';
import { evaluateMetric } from '../../../query/metric-expr.js';
import {
  ENTITY_KINDS,
  type EntityKind,
  entityMetrics,
  sumMeter,
  TREND_WINDOW,
  viewersMeter,
} from './entities.js';

function kind(plural: string): EntityKind {
  const k = ENTITY_KINDS.find((e) => e.plural === plural);
  if (!k) throw new Error(`no kind ${plural}`);
  return k;
}

const DAY = 86_400_000;

describe('Wowza entity kinds', () => {
  it('the single form of each collection drops the final "s"', () => {
    for (const k of ENTITY_KINDS) expect(k.single).toBe(k.plural.slice(0, -1));
  });

  it('reports the documented numbers per kind', () => {
    expect(Object.keys(entityMetrics(kind('stream_targets'))).sort()).toEqual([
      'avg_viewing_seconds',
      'viewing_bytes',
      'viewing_seconds',
    ]);
    expect(Object.keys(entityMetrics(kind('transcoders'))).sort()).toEqual([
      'egress_bytes',
      'egress_seconds',
      'egress_seconds_additional_targets',
    ]);
    expect(Object.keys(entityMetrics(kind('real_time_streams'))).sort()).toEqual([
      'bytes_in',
      'bytes_out',
    ]);
  });

  it('avg_viewing_seconds: 100 s watched by 3 unique viewers is 33, a whole number', () => {
    const k = kind('vod_streams');
    const values = new Map([
      [sumMeter(k, 'viewing_seconds'), 100],
      [viewersMeter(k), 3],
    ]);
    const avg = entityMetrics(k).avg_viewing_seconds;
    expect(avg && evaluateMetric(avg, values)).toBe(33);
  });

  it('transcoders page by number, the other lists by next_page_key', () => {
    expect(ENTITY_KINDS.filter((k) => k.pagination === 'v1').map((k) => k.plural)).toEqual([
      'transcoders',
    ]);
  });

  it('the account trend is hourly over up to two days, daily beyond', () => {
    expect(resolveAutoWindow(TREND_WINDOW, { from: 0, to: 2 * DAY })).toBe('HOUR');
    expect(resolveAutoWindow(TREND_WINDOW, { from: 0, to: 2 * DAY + 1 })).toBe('DAY');
  });
});
