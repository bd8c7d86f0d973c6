// The Grafana dashboard and the Prometheus alert rules in docs/grafana may name only metrics,
// labels and label values that a running server exposes, so they cannot drift from
// src/ops/metrics.ts: every `tally_*` name is looked up in a live server's /metrics and registry.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer, testEvent } from '../support/test-server.js';

const dir = fileURLToPath(new URL('../../docs/grafana/', import.meta.url));
const dashboard = JSON.parse(readFileSync(`${dir}tally-dashboard.json`, 'utf8')) as Dashboard;
const alerts = parse(readFileSync(`${dir}tally-alerts.yaml`, 'utf8')) as RuleFile;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: unknown }[] };
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description?: string };
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** What a live server exposes: each metric's type, help text and label names, and every route label. */
interface Exposed {
  metrics: Map<string, { type: string; help: string; labels: Set<string> }>;
  routes: Set<string>;
}

// Labels Prometheus attaches to every scraped series (not part of the app's registry).
const TARGET_LABELS = new Set(['instance', 'job']);
const SERIES_SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

async function exposed(server: TestServer): Promise<Exposed> {
  const text = await (await server.request('/metrics')).text();
  const metrics: Exposed['metrics'] = new Map();
  const routes = new Set<string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h?.[1]) help.set(h[1], h[2] ?? '');
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t?.[1] && t[2]) {
      // prom-client keeps label names on the metric object; its type declarations omit them.
      const metric = server.services.metrics.registry.getSingleMetric(t[1]) as unknown as
        | { labelNames?: readonly string[] }
        | undefined;
      const labels = new Set(metric?.labelNames ?? []);
      const entry = { type: t[2], help: help.get(t[1]) ?? '', labels };
      metrics.set(t[1], entry);
      for (const suffix of SERIES_SUFFIXES[t[2]] ?? []) {
        metrics.set(`${t[1]}${suffix}`, {
          ...entry,
          labels: suffix === '_bucket' ? new Set([...labels, 'le']) : labels,
        });
      }
    }
    const route = /^tally_http_request_duration_seconds_count\{.*route="([^"]*)"/.exec(line);
    if (route?.[1]) routes.add(route[1]);
  }
  return { metrics, routes };
}

/** Every PromQL expression of the dashboard (panel targets and template queries) and the rules. */
function expressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of dashboard.panels) {
    for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  }
  for (const v of dashboard.templating.list) {
    const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string })?.query;
    if (q?.includes('(')) out.push({ where: `variable $${v.name}`, expr: q });
  }
  for (const g of alerts.groups) {
    for (const r of g.rules) out.push({ where: `alert ${r.alert}`, expr: r.expr });
  }
  return out;
}

/** The problems of one expression: unknown metrics, labels, label values; none means it is good. */
function problems(expr: string, x: Exposed): string[] {
  const found: string[] = [];
  const names = [...expr.matchAll(/\b(tally_[a-z0-9_]+)/g)].map((m) => m[1] ?? '');
  if (names.length === 0 && !/\bup\{/.test(expr)) found.push('names no tally_ metric');
  for (const n of names) if (!x.metrics.has(n)) found.push(`unknown metric ${n}`);
  const known = names.filter((n) => x.metrics.has(n));
  for (const sel of expr.matchAll(/\b(tally_[a-z0-9_]+)\s*\{([^}]*)\}/g)) {
    const metric = x.metrics.get(sel[1] ?? '');
    if (!metric) continue;
    for (const m of (sel[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      const [, label = '', op, value = ''] = m;
      if (TARGET_LABELS.has(label)) continue;
      if (!metric.labels.has(label)) found.push(`${sel[1]} has no label ${label}`);
      else if (op === '=' || op === '!=') {
        // Exact values must exist: routes as served, statuses as HTTP codes, other labels from
        // the closed set their metric's help text names.
        const ok =
          label === 'route'
            ? x.routes.has(value)
            : label === 'status'
              ? /^[1-5]\d\d$/.test(value)
              : metric.help.includes(value);
        if (!ok) found.push(`${sel[1]}{${label}="${value}"} matches no value the server uses`);
      }
    }
  }
  for (const by of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of (by[1] ?? '').split(',').map((l) => l.trim())) {
      if (!label || TARGET_LABELS.has(label)) continue;
      if (!known.some((n) => x.metrics.get(n)?.labels.has(label))) {
        found.push(`no metric of the expression has label ${label}`);
      }
    }
  }
  return found;
}

describe('docs/grafana against the metrics a server exposes', () => {
  let server: TestServer;
  let x: Exposed;

  beforeAll(async () => {
    server = await startTestServer();
    const account = await server.createAccount('grafana');
    // One ingest and one scrape, so their routes appear in the latency histogram.
    const ingest = await server.request('/api/v1/events', {
      method: 'POST',
      key: account.secretKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(testEvent('grafana', 'customer-1', Date.now(), { n: 1 })),
    });
    expect(ingest.status).toBe(204);
    await server.request('/metrics');
    x = await exposed(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('reads the registry the server builds (the check itself works)', () => {
    expect(x.metrics.get('tally_ingest_events_total')?.labels).toEqual(new Set(['result']));
    expect(x.metrics.get('tally_http_request_duration_seconds_bucket')?.labels).toEqual(
      new Set(['method', 'route', 'status', 'le']),
    );
    expect(x.routes).toContain('/api/v1/events');
    expect(problems('rate(tally_no_such_metric_total[5m])', x)).toEqual([
      'unknown metric tally_no_such_metric_total',
    ]);
    expect(problems('sum by (colour) (tally_store_events)', x)).toEqual([
      'no metric of the expression has label colour',
    ]);
    expect(problems('tally_ingest_events_total{result="lost"}', x)).toHaveLength(1);
    expect(
      problems('tally_http_request_duration_seconds_count{route="/api/v2/x"}', x),
    ).toHaveLength(1);
  });

  it('every expression names only metrics, labels and values the server exposes', () => {
    const all = expressions();
    expect(all.length).toBeGreaterThan(40);
    const bad = all
      .map((e) => ({ ...e, problems: problems(e.expr, x) }))
      .filter((e) => e.problems.length > 0);
    expect(bad).toEqual([]);
  });

  it('the dashboard is importable: unique ids, a layout inside 24 columns, queries on every panel', () => {
    expect(dashboard.uid).toBe('tally-overview');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });

  it('every alert rule has a known severity, a summary and balanced brackets', () => {
    const rules = alerts.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      if (r.for) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      for (const [open, close] of ['()', '{}', '[]']) {
        const count = (c: string | undefined) => r.expr.split(c ?? '').length - 1;
        expect(count(open), `${r.alert} ${open}${close}`).toBe(count(close));
      }
    }
  });
});
