// The series endpoint table read against LaunchDarkly's account usage API reference: the path
// enums it documents, the defaults of the modern usage endpoints, the legacy defaults and the
// environment-needs-one-project rule.

import { describe, expect, it } from 'vitest';
import { SERIES_ENDPOINTS, type SeriesEndpoint } from './endpoints.js';

function endpoint(path: string): SeriesEndpoint {
  const ep = SERIES_ENDPOINTS.find((e) => e.path === path);
  if (!ep) throw new Error(`no endpoint ${path}`);
  return ep;
}

describe('LaunchDarkly series endpoints', () => {
  it('each path is served once', () => {
    const paths = SERIES_ENDPOINTS.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('events are received or published, streams come from a client or a server SDK', () => {
    expect(endpoint('/events/:type').pathDims?.type?.enums).toEqual(['received', 'published']);
    for (const path of ['/streams/:source', '/streams/:source/bysdkversion']) {
      expect(endpoint(path).pathDims?.source?.enums).toEqual(['client', 'server']);
    }
  });

  it('evaluations are one series per variation of the flag named in the path', () => {
    const ep = endpoint('/evaluations/:projectKey/:environmentKey/:featureFlagKey');
    expect(ep.alwaysGroup).toEqual(['variation']);
    expect(Object.keys(ep.pathDims ?? {})).toEqual([
      'projectKey',
      'environmentKey',
      'featureFlagKey',
    ]);
  });

  it('modern endpoints: month to date from the start of the month, daily points by default', () => {
    for (const path of ['/clientside-contexts', '/total-mau', '/service-connections']) {
      const ep = endpoint(path);
      expect(ep.windows, path).toBe('modern');
      expect(ep.defaultAggregation, path).toBe('month_to_date');
      expect(ep.aggregations.month_to_date, path).toEqual({ kind: 'cumulative', period: 'MONTH' });
      expect(ep.aggregations.incremental, path).toEqual({ kind: 'incremental' });
      expect(ep.defaultRange, path).toBe('month');
      expect(ep.granularities, path).toContain('daily');
    }
  });

  it('contexts may also be counted over a rolling 30 days', () => {
    expect(endpoint('/total-contexts').aggregations.rolling_30d).toEqual({
      kind: 'rolling',
      span: { unit: 'DAY', count: 30 },
    });
  });

  it('an environment filter needs exactly one project, under the names each endpoint uses', () => {
    expect(endpoint('/total-contexts').oneProjectFor).toEqual(['environmentKey', 'projectKey']);
    expect(endpoint('/mau').oneProjectFor).toEqual(['environment', 'project']);
  });

  it('legacy event counts default to the last 24 hours, MAU to the last 30 days', () => {
    expect(endpoint('/events/:type').defaultRange).toBe('24h');
    expect(endpoint('/mau').defaultRange).toBe('30d');
    expect(endpoint('/mau').windows).toBe('daily');
  });
});
