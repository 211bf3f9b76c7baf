// Line charts as SVG for the docs (docs/design.md, "Plots"): a chart (title, axes with units,
// named series of x/y points) becomes a Vega-Lite spec, and Vega renders it to SVG text in Node,
// with no browser and no canvas. The same chart object is what docs/data/*.json holds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, resetSVGDefIds, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Axis {
  title: string;
  /** Shown after the title, in parentheses: "latency increase (%)". */
  unit?: string;
  log?: boolean;
  /** Fixes an end of the axis instead of fitting the data. */
  min?: number;
  max?: number;
}
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}
export interface Chart {
  title: string;
  /** A line under the title: where the numbers come from. */
  subtitle?: string;
  x: Axis;
  y: Axis;
  series: Series[];
}

/**
 * Refuses what would draw a misleading chart: no series, a series without points (a legend
 * entry with no line), two series of one name, a point that is not a finite number (NaN, null
 * in JSON), a point at or below zero on a log axis.
 */
export function checkChart(chart: Chart): void {
  const where = `chart "${chart.title}"`;
  if (!Array.isArray(chart.series) || chart.series.length === 0) throw new Error(`${where}: no series to draw`);
  const names = new Set<string>();
  for (const s of chart.series) {
    if (names.has(s.name)) throw new Error(`${where}: two series are named "${s.name}"`);
    names.add(s.name);
    if (!Array.isArray(s.points) || s.points.length === 0) throw new Error(`${where}: series "${s.name}" has no points`);
    s.points.forEach((p, i) => {
      for (const axis of ['x', 'y'] as const) {
        const v = p?.[axis];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: series "${s.name}", point ${i}: ${axis} is ${v}, not a finite number`);
        if (chart[axis].log && v <= 0) throw new Error(`${where}: series "${s.name}", point ${i}: ${axis} is ${v}, and the ${axis} axis is logarithmic`);
      }
    });
  }
}

const axisTitle = (a: Axis) => (a.unit ? `${a.title} (${a.unit})` : a.title);

/** Ticks on a log axis: the powers of ten the data spans, and 2 and 5 times them within one decade. */
export function logTicks(values: number[]): number[] {
  const lo = Math.floor(Math.log10(Math.min(...values)) + 1e-9);
  const hi = Math.ceil(Math.log10(Math.max(...values)) - 1e-9);
  const mults = hi - lo <= 1 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of mults) if (e < hi || m === 1) out.push(Number((m * 10 ** e).toPrecision(12)));
  return out;
}

function channel(chart: Chart, axis: 'x' | 'y') {
  const a = chart[axis];
  const values = [...chart.series.flatMap((s) => s.points.map((p) => p[axis])), ...[a.min, a.max].filter((v) => v !== undefined)];
  return {
    field: axis,
    type: 'quantitative' as const,
    title: axisTitle(a),
    scale: a.log ? { type: 'log' as const, nice: true, domainMin: a.min, domainMax: a.max } : { zero: false, nice: true, domainMin: a.min, domainMax: a.max },
    axis: a.log ? { values: logTicks(values), format: ',' } : { tickCount: 6 },
  };
}

/** The chart as an SVG document (a string). Renders the same bytes for the same chart. */
export async function lineChartSvg(chart: Chart): Promise<string> {
  checkChart(chart);
  const names = chart.series.map((s) => s.name);
  const spec: TopLevelSpec = {
    title: chart.subtitle ? { text: chart.title, subtitle: chart.subtitle } : chart.title,
    width: 560,
    height: 320,
    background: 'white',
    padding: 12,
    data: { values: chart.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y }))) },
    mark: { type: 'line', point: { filled: true, size: 60 }, strokeWidth: 2 },
    encoding: {
      x: channel(chart, 'x'),
      y: channel(chart, 'y'),
      // Colour and marker shape both tell the series apart, so a series whose line lies under
      // another's still shows at its points; the legend is outside the plot area, off the data.
      color: { field: 'series', type: 'nominal', scale: { domain: names }, legend: { title: null, orient: 'right' } },
      shape: { field: 'series', type: 'nominal', scale: { domain: names }, legend: { title: null, orient: 'right' } },
    },
    config: {
      font: 'Helvetica, Arial, sans-serif',
      title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 12 },
      axis: { titleFontSize: 13, labelFontSize: 12, titleFontWeight: 'normal', labelFlush: false, grid: true, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 12, labelLimit: 0 },
      view: { stroke: '#bbb' },
    },
  };
  resetSVGDefIds();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Where a plot's numbers are kept: docs/bench-soaks.svg has docs/data/bench-soaks.json. */
export const dataFileFor = (svgFile: string) => join(dirname(svgFile), 'data', `${basename(svgFile, '.svg')}.json`);

/** Writes the chart's numbers (dataFileFor) and its SVG; scripts/plot-docs.ts redraws the SVG from the numbers. */
export async function writePlot(svgFile: string, chart: Chart): Promise<void> {
  if (!svgFile.endsWith('.svg')) throw new Error(`a plot is written as SVG: ${svgFile} does not end in .svg`);
  const svg = await lineChartSvg(chart);
  mkdirSync(dirname(dataFileFor(svgFile)), { recursive: true });
  writeFileSync(dataFileFor(svgFile), `${JSON.stringify(chart, null, 2)}\n`);
  writeFileSync(svgFile, `${svg}\n`);
}
