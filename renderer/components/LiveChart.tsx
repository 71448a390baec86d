/**
 * A live time series drawn by uPlot from a RingSeries. The chart is created
 * once (and again only when the colour scheme or the series change), by a
 * memoised part that a new sample does not redraw; new data is handed over
 * with `setData` when `version` moves, which the owning store bumps at most
 * once per animation frame.
 */
import { memo, useEffect, useRef, type MutableRefObject } from 'react';
import { Box, Text, useComputedColorScheme, useMantineTheme } from '@mantine/core';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock } from '../lib/format.js';
import { liveXRange } from './live-x-range.js';
import type { RingSeries } from './ring-buffer.js';

export interface LiveChartSeries {
  readonly label: string;
  readonly color: string;
  /** Shade under the line. */
  readonly fill?: boolean;
}

export interface LiveChartProps {
  /** Says what the chart shows, for screen readers and as its caption. */
  readonly title: string;
  readonly data: RingSeries;
  /** The store's change counter for `data`. */
  readonly version: number;
  readonly series: readonly LiveChartSeries[];
  readonly height?: number;
  readonly formatValue: (value: number | null) => string;
  /** Fixed y range (e.g. 0–100 for percentages); otherwise from 0 to the data's maximum. */
  readonly yRange?: readonly [number, number];
  /** Axis tick labels (short, without the unit the title gives); default `formatValue`. */
  readonly formatAxis?: (value: number) => string;
  /** Seconds of history the x axis always spans, so the first points do not fill the width (with a little room on the right, so the newest point is never cut off). */
  readonly windowSec?: number;
}

export function LiveChart({ title, data, version, series, height = 180, formatValue, yRange, formatAxis, windowSec }: LiveChartProps) {
  const chart = useRef<uPlot | null>(null);
  const format = useRef(formatValue);
  format.current = formatValue;
  const axisFormat = useRef(formatAxis);
  axisFormat.current = formatAxis;

  useEffect(() => {
    chart.current?.setData(columns(data, series.length));
  }, [version, data, series.length]);

  const latest = data.latest();
  const summary = latest ? series.map((s, i) => `${s.label} ${formatValue(latest.ys[i] ?? null)}`).join(', ') : 'no data yet';
  return (
    <Box className="hp-chart" role="img" aria-label={`${title}: ${summary}`}>
      <ChartTitle title={title} />
      <ChartCanvas chart={chart} data={data} series={series} height={height} format={format} axisFormat={axisFormat} yMin={yRange?.[0]} yMax={yRange?.[1]} windowSec={windowSec} />
    </Box>
  );
}

const ChartTitle = memo(function ChartTitle({ title }: { readonly title: string }) {
  return (
    <Text size="sm" fw={600} mb={4}>
      {title}
    </Text>
  );
});

interface ChartCanvasProps {
  readonly chart: MutableRefObject<uPlot | null>;
  readonly data: RingSeries;
  readonly series: readonly LiveChartSeries[];
  readonly height: number;
  readonly format: MutableRefObject<(value: number | null) => string>;
  readonly axisFormat: MutableRefObject<((value: number) => string) | undefined>;
  readonly yMin: number | undefined;
  readonly yMax: number | undefined;
  readonly windowSec: number | undefined;
}

/** The uPlot instance in its host element: drawn again only when the scheme, the series or the size settings change. */
const ChartCanvas = memo(function ChartCanvas({ chart, data, series, height, format, axisFormat, yMin, yMax, windowSec }: ChartCanvasProps) {
  const host = useRef<HTMLDivElement>(null);
  const scheme = useComputedColorScheme('light');
  const theme = useMantineTheme();
  const yRange = yMin !== undefined && yMax !== undefined ? ([yMin, yMax] as const) : undefined;
  const seriesKey = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const target = host.current;
    if (!target || typeof ResizeObserver === 'undefined' || typeof matchMedia === 'undefined') return;
    const axisColor = scheme === 'dark' ? theme.colors.dark[1] : theme.colors.gray[7];
    const gridColor = scheme === 'dark' ? theme.colors.dark[4] : theme.colors.gray[2];
    const axis: uPlot.Axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(target.clientWidth, 200),
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      // The x range comes from the data, not from uPlot's min/max: with one sample uPlot widens those to a day.
      scales: { x: { time: true, range: (u: uPlot, min: number, max: number) => liveXRange(u.data[0] ?? [], windowSec) ?? [min, max] }, y: { range: yRange ? () => [yRange[0], yRange[1]] : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ ...axis, space: 90, values: (_u, ticks) => ticks.map((t) => formatClock(t * 1000)) }, { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => (axisFormat.current ?? format.current)(t)) }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.fill ? `${s.color}22` : undefined,
          // With one or two samples a line has nothing to draw: show them as dots until it does.
          points: { show: fewPoints, size: 7, fill: s.color },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => format.current(v),
        })),
      ],
    };
    const plot = new uPlot(options, columns(data, series.length), target);
    chart.current = plot;
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(target.clientWidth, 200), height }));
    observer.observe(target);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // `data` is one ring per store; the series are captured by seriesKey.
  }, [scheme, seriesKey, height, data, yMin, yMax, windowSec]);

  return <div ref={host} style={{ minHeight: height }} />;
});

function fewPoints(u: uPlot): boolean {
  return (u.data[0]?.length ?? 0) < 3;
}

/** The x column and the first `count` series (a ring may hold more series than are drawn). */
function columns(data: RingSeries, count: number): uPlot.AlignedData {
  return data.aligned().slice(0, count + 1) as uPlot.AlignedData;
}
