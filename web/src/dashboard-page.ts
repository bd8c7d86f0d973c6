// The dashboard: owns the view state, keeps it in the URL, runs the queries and renders the results.
import type { Zone } from 'luxon';
import { DateTime } from 'luxon';
import { type ApiClient, describeError, type Me, type Meter, type UsageRow } from './api-client';
import { renderBreakdownTable } from './breakdown-table';
import { ChartView, type Plotted } from './chart-view';
import { renderControls } from './controls-view';
import { breakdownCsv, downloadText, timeSeriesCsv } from './csv-export';
import { h } from './dom';
import { pageNav } from './page-nav';
import { activeFilters, CUSTOMER_DIM, type QuerySpec, toQueryParams } from './query-params';
import { RealtimeTile } from './realtime-tile';
import { type BreakdownRow, type ChartData, formatValue, toBreakdown, toChartData } from './series';
import { dimensionsWithValues } from './subject-scope';
import {
  autoWindow,
  effectiveTimeZone,
  RANGE_LABELS,
  type ResolvedRange,
  resolveRange,
  toApiTime,
  toLocalInput,
  tooManyPoints,
  toZone,
  WINDOW_LABELS,
  WINDOW_SIZES,
} from './time-range';
import { parseViewState, serializeViewState, type ViewState, type WindowSize } from './view-state';
import { decideWindow } from './window-choice';

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
  /** What uPlot was given (zero points when nothing is drawn). */
  plotted: Plotted;
  /** The window drawn, and the note shown when it stands in for a too-fine choice. */
  window: { size: WindowSize; note: string };
  /** Dimensions offered for group-by and filters (a subject-bound key: only those it can use). */
  dims: string[];
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
  private readonly windowNote = h('p', { id: 'window-note', className: 'note', role: 'status' });
  private readonly controlsToggle = h('button', {
    type: 'button',
    id: 'controls-toggle',
    'aria-expanded': 'false',
    'aria-controls': 'controls',
  });
  private readonly chart: ChartView;
  private readonly realtime: RealtimeTile;
  private abort: AbortController | null = null;
  private realtimeKey = '';
  private rangeError = '';
  private shown: { rows: UsageRow[]; table: BreakdownRow[]; groupBy: string[] } | null = null;
  /** Subject-bound keys: per meter, the dimensions the subject has values for (looked up once). */
  private readonly subjectDims = new Map<string, Promise<string[]>>();
  private readonly usableDims = new Map<string, string[]>();
  /** Secret keys: each customer's id to the name it is shown and filtered by (its key, else id). */
  private customerNames: Promise<Map<string, string>> | undefined;

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
    // Phones: the settings fold away behind one button so that the first screen shows the chart.
    this.controlsToggle.addEventListener('click', () => {
      const open = this.controlsToggle.getAttribute('aria-expanded') !== 'true';
      this.controlsToggle.setAttribute('aria-expanded', String(open));
      this.controls.classList.toggle('open', open);
    });
    window.addEventListener('popstate', this.onPopState);
    this.apply(true);
  }

  private readonly onPopState = (): void => {
    this.state = parseViewState(location.search);
    this.apply(false);
  };

  /** Stops every query and poll and forgets the URL: another page takes the screen. */
  destroy(): void {
    window.removeEventListener('popstate', this.onPopState);
    this.abort?.abort();
    this.realtime.stop();
    this.chart.destroy();
    window.__tally = undefined;
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
      pageNav(this.me, 'usage', () => undefined),
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
      this.controlsToggle,
      this.controls,
      h('div', { className: 'tiles' }, totalTile, realtimeHost),
      h(
        'section',
        { id: 'chart-section', className: 'card', tabindex: -1, 'aria-labelledby': 'chart-title' },
        this.chartTitle,
        this.windowNote,
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
    this.destroy();
    this.onSignOut();
  }

  private update(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    this.apply(true);
  }

  /** Writes the URL, redraws the form, re-queries. */
  private apply(writeUrl: boolean): void {
    // Whatever is in flight answered an earlier view: it must not draw over this one.
    this.abort?.abort();
    this.abort = null;
    const zone = toZone(this.state.tz);
    const range = zone ? resolveRange(this.state, zone) : null;
    const decision = range ? decideWindow(this.state.window, range) : null;
    if (decision?.ok && decision.replaced) this.state = { ...this.state, window: decision.size };
    this.windowNote.textContent = decision?.note ?? '';
    if (writeUrl || decision?.ok === false || (decision?.ok && decision.replaced)) {
      const search = `?${serializeViewState(this.state)}`;
      if (search !== location.search) {
        if (writeUrl) history.pushState(null, '', search);
        else history.replaceState(null, '', search);
      }
    }
    const meter = this.meters.find((m) => m.slug === this.state.meter);
    const dims = meter ? this.offeredDims(meter) : [];
    if (meter && !dims) {
      // A subject-bound key: which dimensions it can use is still being looked up.
      this.renderForm(zone, range, []);
      this.clearView('loading', `Loading ${meter.slug}…`);
      return;
    }
    this.renderForm(zone, range, dims ?? []);
    const problem = !zone
      ? `“${this.state.tz}” is not a time zone. Use an IANA name such as Europe/Berlin or an offset such as +05:45.`
      : !range
        ? 'Pick a custom range whose end is after its start.'
        : decision && !decision.ok
          ? decision.note
          : '';
    if (problem || !zone || !range || !decision?.ok) {
      this.windowNote.textContent = '';
      this.clearView('error', problem);
      return;
    }
    if (!meter) {
      this.clearView(
        'empty',
        this.me.subject
          ? `No usage recorded for subject ${this.me.subject} yet: there is nothing to show.`
          : 'This account has no meters yet. Create one with the API or the CLI.',
      );
      return;
    }
    void this.load(zone, range, decision.size, dims ?? []);
  }

  /**
   * Group-by and filter dimensions offered for a meter; null while a subject-bound key's are
   * looked up (apply runs again when they are known).
   */
  private offeredDims(meter: Meter): string[] | null {
    const own = Object.keys(meter.groupBy ?? {});
    // Customers name subjects: only account-wide (secret) keys list them.
    if (this.me.keyKind === 'secret' && !own.includes(CUSTOMER_DIM)) {
      return ['subject', CUSTOMER_DIM, ...own];
    }
    if (!this.me.subject) return ['subject', ...own];
    const known = this.usableDims.get(meter.slug);
    if (known) return known;
    if (!this.subjectDims.has(meter.slug)) {
      const lookup = dimensionsWithValues(this.client, meter);
      this.subjectDims.set(meter.slug, lookup);
      void lookup.then((dims) => {
        this.usableDims.set(meter.slug, dims);
        if (this.state.meter === meter.slug) this.apply(false);
      });
    }
    return null;
  }

  /** Nothing stale under a message: chart, table, total and downloads go with the old view. */
  private clearView(status: ViewStatus, message: string): void {
    this.chart.destroy();
    this.tableHost.replaceChildren();
    this.totalValue.textContent = '–';
    this.totalValue.dataset.value = '';
    this.totalCaption.textContent = '';
    this.shown = null;
    window.__tally = undefined;
    this.renderDownloads();
    this.setStatus(status, message);
  }

  private renderForm(zone: Zone | null, range: ResolvedRange | null, dims: string[]): void {
    const focused = document.activeElement?.id ?? '';
    const shown = range ?? (zone ? resolveRange({ ...this.state, range: 'last7d' }, zone) : null);
    renderControls(this.controls, {
      state: this.state,
      meters: this.meters,
      customFrom: shown ? toLocalInput(shown.from) : '',
      customTo: shown ? toLocalInput(shown.to) : '',
      autoWindowLabel: range ? (WINDOW_LABELS[autoWindow(range)] ?? '') : '–',
      tooFineWindows: range ? WINDOW_SIZES.filter((w) => tooManyPoints(range, w)) : [],
      dims,
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
          this.renderForm(zone, range, dims);
          return;
        }
        this.rangeError = '';
        this.update({ range: 'custom', from: toApiTime(from), to: toApiTime(to) });
      },
    });
    const decided = range ? decideWindow(this.state.window, range) : null;
    const windowLabel = decided?.ok ? ` · by ${WINDOW_LABELS[decided.size]?.toLowerCase()}` : '';
    this.controlsToggle.textContent = `Settings: ${this.state.meter || 'no meter'} · ${RANGE_LABELS[this.state.range]}${windowLabel}`;
    if (focused) document.getElementById(focused)?.focus();
  }

  private async load(
    zone: Zone,
    range: ResolvedRange,
    windowSize: WindowSize,
    dims: string[],
  ): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const s = this.state;
    const meter = this.meters.find((m) => m.slug === s.meter);
    const groupBy = s.groupBy.filter((g) => dims.includes(g));
    const filters = activeFilters(
      {
        ...s,
        filters: Object.fromEntries(Object.entries(s.filters).filter(([d]) => dims.includes(d))),
      },
      dims,
    );
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
      if (groupBy.includes(CUSTOMER_DIM)) {
        const names = await this.customers();
        for (const row of [...series.data, ...breakdown.data]) {
          if (row.customerId) row.customerId = names.get(row.customerId) ?? row.customerId;
        }
      }
      // The window-less query has a row for every group with usage: none means nothing happened
      // (the series query alone cannot tell: with fill=zero it has a zero for every window).
      if (breakdown.data.length === 0) {
        this.clearView(
          'empty',
          `No usage recorded for ${s.meter}${this.me.subject ? ` (subject ${this.me.subject})` : ''} in this range${Object.keys(filters).length ? ' with these filters' : ''}. Try a longer range or remove filters.`,
        );
        return;
      }
      const totalRows = total ? total.data : breakdown.data;
      const totalValue = totalRows.reduce((a, r) => a + r.value, 0);
      const chartData = toChartData(series.data, groupBy);
      const table = renderBreakdownTable(
        this.tableHost,
        toBreakdown(breakdown.data, groupBy),
        groupBy,
        { column: s.sort, dir: s.dir },
        (next) => this.update({ sort: next.column, dir: next.dir }),
      );
      this.totalValue.textContent = formatValue(totalValue);
      this.totalValue.dataset.value = String(totalValue);
      this.totalCaption.textContent = `${meter?.aggregation ?? ''} over ${RANGE_LABELS[s.range].toLowerCase()}`;
      this.shown = { rows: series.data, table, groupBy };
      this.renderDownloads();
      // The legend at rest: each group's exact value over the range (from the window-less query).
      const byGroup = new Map(table.map((r) => [r.key.id, r.value]));
      this.chart.render(chartData, s.chart, zone, '', {
        window: 'whole range',
        values: chartData.series.map((c) => byGroup.get(c.id) ?? null),
        windowSize,
      });
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
        plotted: this.chart.plotted(),
        window: { size: windowSize, note: this.windowNote.textContent ?? '' },
        dims,
      };
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
      this.clearView('error', describeError(err, `Loading ${s.meter}`));
    }
  }

  /** The customers' names (keys, else ids), looked up once per page. */
  private customers(): Promise<Map<string, string>> {
    this.customerNames ??= this.client
      .customers()
      .then((list) => new Map(list.map((c) => [c.id, c.key ?? c.id])))
      .catch(() => new Map());
    return this.customerNames;
  }

  /** Suggestions for the filter inputs: the values seen in the range (customers: all of them). */
  private loadFilterValues(slug: string, q: QuerySpec): void {
    const params = new URLSearchParams({ from: q.from, to: q.to });
    for (const list of this.controls.querySelectorAll<HTMLDataListElement>('datalist[data-dim]')) {
      const dim = list.dataset.dim ?? '';
      const values =
        dim === CUSTOMER_DIM && this.me.keyKind === 'secret'
          ? this.customers().then((names) => [...new Set(names.values())].sort())
          : this.client.groupByValues(slug, dim, params);
      values
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
