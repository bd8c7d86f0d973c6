// The dashboard: owns the view state, keeps it in the URL, runs the queries and renders the results.
import type { Zone } from 'luxon';
import { DateTime } from 'luxon';
import { type ApiClient, describeError, type Me, type Meter, type UsageRow } from './api-client';
import { renderBreakdownTable } from './breakdown-table';
import { ChartView } from './chart-view';
import { renderControls } from './controls-view';
import { breakdownCsv, downloadText, timeSeriesCsv } from './csv-export';
import { h } from './dom';
import { activeFilters, type QuerySpec, toQueryParams } from './query-params';
import { RealtimeTile } from './realtime-tile';
import { type BreakdownRow, type ChartData, formatValue, toBreakdown, toChartData } from './series';
import {
  autoWindow,
  effectiveTimeZone,
  RANGE_LABELS,
  type ResolvedRange,
  resolveRange,
  toApiTime,
  toLocalInput,
  toZone,
  WINDOW_LABELS,
} from './time-range';
import { parseViewState, serializeViewState, type ViewState, type WindowSize } from './view-state';

/** What is on screen, for people who script the page and for the browser tests. */
export interface ShownView {
  meter: string;
  /** Query strings (after "?") sent for the chart, the table and the total. */
  queries: { series: string; breakdown: string; total: string };
  groupBy: string[];
  rows: UsageRow[];
  chart: ChartData;
  table: { group: Record<string, string | null>; value: number }[];
  total: number | null;
}

declare global {
  interface Window {
    __tally?: ShownView;
  }
}

type ViewStatus = 'loading' | 'ready' | 'empty' | 'error';

export class DashboardPage {
  private state: ViewState;
  private readonly controls = h('form', {
    id: 'controls',
    className: 'card',
    'aria-label': 'View settings',
  });
  private readonly status = h('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly chartHost = h('div', { id: 'chart', className: 'chart', role: 'img' });
  private readonly tableHost = h('div', { id: 'breakdown', className: 'table-wrap' });
  private readonly totalValue = h('output', { id: 'total-value', className: 'big' }, '–');
  private readonly totalCaption = h('p', { className: 'muted', id: 'total-caption' });
  private readonly chartTitle = h('h2', { id: 'chart-title' }, 'Usage');
  private readonly downloads = h('div', { className: 'downloads' });
  private readonly chart: ChartView;
  private readonly realtime: RealtimeTile;
  private abort: AbortController | null = null;
  private realtimeKey = '';
  private rangeError = '';
  private shown: { rows: UsageRow[]; table: BreakdownRow[]; groupBy: string[] } | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: ApiClient,
    private readonly me: Me,
    private readonly meters: Meter[],
    private readonly onSignOut: () => void,
  ) {
    this.state = parseViewState(location.search);
    if (!meters.some((m) => m.slug === this.state.meter)) this.state.meter = meters[0]?.slug ?? '';
    const realtimeHost = h('section', {
      className: 'tile card',
      id: 'realtime-tile',
      'aria-label': 'Realtime',
    });
    this.realtime = new RealtimeTile(realtimeHost);
    this.root.replaceChildren(this.header(), this.layout(realtimeHost));
    this.chart = new ChartView(this.chartHost);
    // Enter in a text field applies it (change event); it never submits the form.
    this.controls.addEventListener('submit', (ev) => ev.preventDefault());
    window.addEventListener('popstate', () => {
      this.state = parseViewState(location.search);
      this.apply(false);
    });
    this.apply(true);
  }

  private header(): HTMLElement {
    const copy = h('button', { type: 'button', id: 'copy-link' }, 'Copy link');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(location.href);
        copy.textContent = 'Link copied';
      } catch {
        window.prompt('Copy this link', location.href);
      }
      setTimeout(() => {
        copy.textContent = 'Copy link';
      }, 2000);
    });
    const signOut = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
    signOut.addEventListener('click', () => this.destroyAndSignOut());
    const who = this.me.subject
      ? h('span', { id: 'subject-badge', className: 'badge' }, `Subject ${this.me.subject} only`)
      : null;
    return h(
      'header',
      { className: 'topbar' },
      h('a', { className: 'skip', href: '#chart-section' }, 'Skip to chart'),
      h('strong', { className: 'brand' }, 'Tally'),
      h(
        'span',
        { id: 'account', className: 'muted' },
        `${this.me.accountName} · ${this.me.keyKind} key`,
      ),
      who,
      h('span', { className: 'spacer' }),
      copy,
      signOut,
    );
  }

  private layout(realtimeHost: HTMLElement): HTMLElement {
    const totalTile = h(
      'section',
      { className: 'tile card', id: 'total-tile', 'aria-label': 'Total' },
      h('h2', {}, 'Total'),
      this.totalValue,
      this.totalCaption,
    );
    return h(
      'main',
      { id: 'main' },
      this.controls,
      h('div', { className: 'tiles' }, totalTile, realtimeHost),
      h(
        'section',
        { id: 'chart-section', className: 'card', tabindex: -1, 'aria-labelledby': 'chart-title' },
        this.chartTitle,
        this.status,
        this.chartHost,
        this.downloads,
      ),
      h(
        'section',
        { id: 'table-section', className: 'card', 'aria-labelledby': 'table-title' },
        h('h2', { id: 'table-title' }, 'Breakdown'),
        this.tableHost,
      ),
    );
  }

  private destroyAndSignOut(): void {
    this.abort?.abort();
    this.realtime.stop();
    this.chart.destroy();
    this.onSignOut();
  }

  private update(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    this.apply(true);
  }

  /** Writes the URL, redraws the form, re-queries. */
  private apply(writeUrl: boolean): void {
    if (writeUrl) {
      const search = `?${serializeViewState(this.state)}`;
      if (search !== location.search) history.pushState(null, '', search);
    }
    const zone = toZone(this.state.tz);
    const range = zone ? resolveRange(this.state, zone) : null;
    this.renderForm(zone, range);
    const problem = !zone
      ? `“${this.state.tz}” is not a time zone. Use an IANA name such as Europe/Berlin or an offset such as +05:45.`
      : !range
        ? 'Pick a custom range whose end is after its start.'
        : '';
    if (problem || !zone || !range) {
      this.setStatus('error', problem);
      return;
    }
    if (!this.state.meter) {
      this.setStatus(
        'empty',
        'This account has no meters yet. Create one with the API or the CLI.',
      );
      return;
    }
    void this.load(zone, range);
  }

  private renderForm(zone: Zone | null, range: ResolvedRange | null): void {
    const focused = document.activeElement?.id ?? '';
    const shown = range ?? (zone ? resolveRange({ ...this.state, range: 'last7d' }, zone) : null);
    renderControls(this.controls, {
      state: this.state,
      meters: this.meters,
      customFrom: shown ? toLocalInput(shown.from) : '',
      customTo: shown ? toLocalInput(shown.to) : '',
      autoWindowLabel: range ? (WINDOW_LABELS[autoWindow(range)] ?? '') : '–',
      tzError: zone ? '' : `Unknown time zone “${this.state.tz}”.`,
      rangeError: this.rangeError,
      onChange: (patch) => {
        if (patch.range === 'custom' && shown) {
          patch.from = toApiTime(shown.from);
          patch.to = toApiTime(shown.to);
        }
        this.rangeError = '';
        this.update(patch);
      },
      onCustomRange: (fromLocal, toLocal) => {
        if (!zone) return;
        const from = DateTime.fromISO(fromLocal, { zone });
        const to = DateTime.fromISO(toLocal, { zone });
        if (!from.isValid || !to.isValid || to <= from) {
          this.rangeError = 'The end must be after the start.';
          this.renderForm(zone, range);
          return;
        }
        this.rangeError = '';
        this.update({ range: 'custom', from: toApiTime(from), to: toApiTime(to) });
      },
    });
    if (focused) document.getElementById(focused)?.focus();
  }

  private async load(zone: Zone, range: ResolvedRange): Promise<void> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const s = this.state;
    const meter = this.meters.find((m) => m.slug === s.meter);
    const dims = Object.keys(meter?.groupBy ?? {});
    const groupBy = s.groupBy.filter((g) => g === 'subject' || dims.includes(g));
    const filters = activeFilters(s, dims);
    const windowSize: WindowSize = s.window === 'auto' ? autoWindow(range) : s.window;
    const base: QuerySpec = {
      from: toApiTime(range.from),
      to: toApiTime(range.to),
      timeZone: effectiveTimeZone(s.tz),
      groupBy,
      filters,
    };
    // Sums and counts are zero where nothing happened; averages, minima and latest values are gaps.
    const fillZero = ['SUM', 'COUNT', 'UNIQUE_COUNT'].includes(meter?.aggregation ?? '');
    const seriesQ = toQueryParams({ ...base, windowSize, fillZero });
    const breakdownQ = toQueryParams(base);
    const totalQ = toQueryParams({ ...base, groupBy: [] });

    const rtKey = `${s.meter}?${toQueryParams({ ...base, from: '', to: '', timeZone: '' })}`;
    if (rtKey !== this.realtimeKey) {
      this.realtimeKey = rtKey;
      this.realtime.start(this.client, s.meter, filters);
    }
    this.loadFilterValues(s.meter, base);

    const what = `${s.meter}, ${RANGE_LABELS[s.range].toLowerCase()} (${range.from.toFormat('yyyy-MM-dd HH:mm')} – ${range.to.toFormat('yyyy-MM-dd HH:mm')} ${effectiveTimeZone(s.tz)}), by ${(WINDOW_LABELS[windowSize] ?? windowSize).toLowerCase()}`;
    this.chartTitle.textContent = `Usage: ${what}`;
    this.setStatus('loading', `Loading ${s.meter}…`);
    try {
      const [series, breakdown, total] = await Promise.all([
        this.client.query(s.meter, seriesQ, abort.signal),
        this.client.query(s.meter, breakdownQ, abort.signal),
        groupBy.length > 0 ? this.client.query(s.meter, totalQ, abort.signal) : null,
      ]);
      if (abort.signal.aborted) return;
      const totalRows = total ? total.data : breakdown.data;
      const totalValue = totalRows.length > 0 ? totalRows.reduce((a, r) => a + r.value, 0) : null;
      const chartData = toChartData(series.data, groupBy);
      const table = renderBreakdownTable(
        this.tableHost,
        toBreakdown(breakdown.data, groupBy),
        groupBy,
        { column: s.sort, dir: s.dir },
        (next) => this.update({ sort: next.column, dir: next.dir }),
      );
      this.totalValue.textContent = totalValue === null ? '–' : formatValue(totalValue);
      this.totalValue.dataset.value = totalValue === null ? '' : String(totalValue);
      this.totalCaption.textContent = `${meter?.aggregation ?? ''} over ${RANGE_LABELS[s.range].toLowerCase()}`;
      this.shown = { rows: series.data, table, groupBy };
      window.__tally = {
        meter: s.meter,
        queries: {
          series: seriesQ.toString(),
          breakdown: breakdownQ.toString(),
          total: (total ? totalQ : breakdownQ).toString(),
        },
        groupBy,
        rows: series.data,
        chart: chartData,
        table: table.map((r) => ({ group: r.key.values, value: r.value })),
        total: totalValue,
      };
      this.renderDownloads();
      if (series.data.length === 0 && breakdown.data.length === 0) {
        this.chart.destroy();
        this.setStatus(
          'empty',
          `No usage recorded for ${s.meter} in this range${Object.keys(filters).length ? ' with these filters' : ''}. Try a longer range or remove filters.`,
        );
        return;
      }
      this.chart.render(chartData, s.chart, zone, '');
      this.chartHost.setAttribute(
        'aria-label',
        `${s.chart === 'bars' ? 'Stacked bar' : 'Line'} chart of ${chartData.series.length} series over ${chartData.x.length} windows; the breakdown table below lists the totals.`,
      );
      this.setStatus(
        'ready',
        `${series.data.length} data points in ${chartData.series.length} series.`,
      );
    } catch (err) {
      if (abort.signal.aborted) return;
      this.chart.destroy();
      this.tableHost.replaceChildren();
      this.totalValue.textContent = '–';
      this.shown = null;
      window.__tally = undefined;
      this.renderDownloads();
      this.setStatus('error', describeError(err, `Loading ${s.meter}`));
    }
  }

  /** Suggestions for the filter inputs: the values seen in the range. */
  private loadFilterValues(slug: string, q: QuerySpec): void {
    const params = new URLSearchParams({ from: q.from, to: q.to });
    for (const list of this.controls.querySelectorAll<HTMLDataListElement>('datalist[data-dim]')) {
      const dim = list.dataset.dim ?? '';
      this.client
        .groupByValues(slug, dim, params)
        .then((values) =>
          list.replaceChildren(...values.slice(0, 500).map((v) => h('option', { value: v }))),
        )
        .catch(() => undefined);
    }
  }

  private renderDownloads(): void {
    const shown = this.shown;
    if (!shown || (shown.rows.length === 0 && shown.table.length === 0)) {
      this.downloads.replaceChildren();
      return;
    }
    const stamp = `${this.state.meter}-${DateTime.now().toFormat("yyyyMMdd'T'HHmm")}`;
    const series = h(
      'button',
      { type: 'button', id: 'download-series' },
      'Download chart data (CSV)',
    );
    series.addEventListener('click', () =>
      downloadText(`${stamp}-series.csv`, timeSeriesCsv(shown.rows, shown.groupBy)),
    );
    const table = h('button', { type: 'button', id: 'download-table' }, 'Download table (CSV)');
    table.addEventListener('click', () =>
      downloadText(`${stamp}-breakdown.csv`, breakdownCsv(shown.table, shown.groupBy)),
    );
    this.downloads.replaceChildren(series, table);
  }

  private setStatus(status: ViewStatus, message: string): void {
    document.body.dataset.state = status;
    this.status.className = `status ${status}`;
    this.status.setAttribute('role', status === 'error' ? 'alert' : 'status');
    this.status.textContent = message;
    this.chartHost.setAttribute('aria-busy', String(status === 'loading'));
  }
}
