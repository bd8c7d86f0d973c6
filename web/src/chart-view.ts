// The time-series chart (uPlot: canvas, fast with many points): lines, or bars stacked per window.
import { DateTime, type Zone } from 'luxon';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { seriesColor, seriesDash } from './palette';
import { type ChartData, formatValue, OTHER_GROUP } from './series';
import { formatWindowStart } from './time-range';
import type { ChartKind, WindowSize } from './view-state';

const OTHER_COLOR = '#9E9E9E';

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 });

/** Axis ticks stay short ("250M"); the legend and table show full numbers. */
function formatTick(v: number): string {
  return Math.abs(v) >= 10_000 ? compact.format(v) : formatValue(v);
}

function zonedDate(zone: Zone): (ts: number) => Date {
  // uPlot reads a Date's local fields; give it one whose local fields are the wall time in `zone`.
  return (ts) => {
    const t = DateTime.fromSeconds(ts, { zone });
    return new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  };
}

/** Running sums bottom-up, so each bar is drawn from zero to its stack height. */
function stack(series: ChartData['series']): (number | null)[][] {
  const sums: number[] = series[0]?.values.map(() => 0) ?? [];
  return series.map((s) =>
    s.values.map((v, i) => {
      sums[i] = (sums[i] ?? 0) + (v ?? 0);
      return sums[i] ?? 0;
    }),
  );
}

/** What the legend shows while the pointer is not over the chart: one value per series. */
export interface RestingLegend {
  /** Shown beside "Window", e.g. "whole range". */
  window: string;
  /** Per series (in ChartData order): its exact value over the whole range. */
  values: (number | null)[];
  /** The chart's window, for the hovered window's start as a person reads it. */
  windowSize: WindowSize;
}

/** What uPlot was actually given, for the page's debug surface and the browser tests. */
export interface Plotted {
  /** Points on the x axis, i.e. per series. */
  points: number;
  /** Data points per drawn series. */
  perSeries: number[];
}

export class ChartView {
  private plot: uPlot | null = null;
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(private readonly host: HTMLElement) {
    this.resize.observe(host);
  }

  render(
    data: ChartData,
    kind: ChartKind,
    zone: Zone,
    title: string,
    resting: RestingLegend,
  ): void {
    this.destroy();
    const bars = kind === 'bars';
    const stacked = bars ? stack(data.series) : data.series.map((s) => s.values);
    // Bars: draw the tallest stack first so the lower ones paint over it.
    const order = data.series.map((_, i) => i);
    if (bars) order.reverse();
    const seriesOpts: uPlot.Series[] = order.map((i) => {
      const raw = data.series[i]?.values ?? [];
      // "Other" is grey: it is not one more group to tell apart from the named ones.
      const color = data.series[i]?.id === OTHER_GROUP ? OTHER_COLOR : seriesColor(i);
      return {
        label: data.series[i]?.label ?? '',
        stroke: color,
        width: bars ? 0 : 2,
        dash: bars ? undefined : seriesDash(i),
        fill: bars ? color : undefined,
        spanGaps: false,
        points: { show: !bars && data.x.length < 60 },
        paths: bars ? uPlot.paths.bars?.({ size: [0.8, 120] }) : undefined,
        // Not hovering: the series' value over the whole range, so the legend is never blank.
        value: (_u, _v, _s, idx) => {
          const v = idx == null ? resting.values[i] : raw[idx];
          return v == null ? '–' : formatValue(v);
        },
      };
    });
    const opts: uPlot.Options = {
      title,
      width: this.width(),
      height: this.height(),
      tzDate: zonedDate(zone),
      series: [
        {
          label: 'Window',
          value: (_u, ts, _s, idx) =>
            idx == null || ts == null
              ? resting.window
              : formatWindowStart(DateTime.fromSeconds(ts).toISO() ?? '', zone, resting.windowSize),
        },
        ...seriesOpts,
      ],
      scales: { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } },
      axes: [{}, { values: (_u, ticks) => ticks.map(formatTick), size: 64 }],
      // Lines: hovering near one dims the others; bars are read as whole stacks.
      cursor: bars ? {} : { focus: { prox: 16 } },
      focus: { alpha: bars ? 1 : 0.3 },
      legend: { live: true },
    };
    const aligned = [data.x, ...order.map((i) => stacked[i] ?? [])] as uPlot.AlignedData;
    this.plot = new uPlot(opts, aligned, this.host);
  }

  plotted(): Plotted {
    const data = this.plot?.data ?? [];
    return {
      points: data[0]?.length ?? 0,
      perSeries: data.slice(1).map((d) => d.length),
    };
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(280, this.host.clientWidth || 600);
  }

  private height(): number {
    return window.innerWidth < 600 ? 240 : 340;
  }

  private fit(): void {
    this.plot?.setSize({ width: this.width(), height: this.height() });
  }
}
