// The chart module (src/local/chart.ts): its SVG is well-formed XML with the title, axis
// titles (units included), one legend entry and one line per series, and puts a higher value
// higher on the page; bad input is refused with the series and point named. The plots in docs/
// are what scripts/plot-docs.ts draws from docs/data/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { checkChart, dataFileFor, lineChartSvg, logTicks, writePlot, type Chart } from '../../src/local/chart.js';
import { soakPlot } from '../../src/local/bench/soak-report.js';
import type { SoakPhase } from '../../src/local/bench/soak-phase.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

/** Parses as XML, failing on any error (mismatched tags, bad entities, two roots). */
function parseSvg(svg: string): Document {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`SVG is not well-formed XML: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  assert.equal(doc.documentElement?.tagName, 'svg');
  return doc;
}

const all = (doc: Document, tag: string) => Array.from(doc.getElementsByTagName(tag)) as Element[];
const classOf = (el: Element) => (el.parentNode as Element | null)?.getAttribute?.('class') ?? '';
/** The text marks whose enclosing group has the given Vega role, e.g. role-axis-title. */
const texts = (doc: Document, role: string) => all(doc, 'text').filter((t) => classOf(t).split(' ').includes(role)).map((t) => t.textContent);

/** Each series' line: its name (from the aria label Vega writes), stroke colour, and vertices in pixels. */
function lines(doc: Document): { series: string; stroke: string; points: [number, number][] }[] {
  return all(doc, 'path')
    .filter((p) => p.getAttribute('aria-roledescription') === 'line mark')
    .map((p) => {
      const label = p.getAttribute('aria-label') ?? '';
      const d = p.getAttribute('d') ?? '';
      assert.ok(d.startsWith('M'), `a line path starts with M: ${d}`);
      const points = d.slice(1).split('L').map((xy) => xy.split(',').map(Number) as [number, number]);
      for (const [x, y] of points) assert.ok(Number.isFinite(x) && Number.isFinite(y), `path vertex in ${d}`);
      return { series: label.slice(label.lastIndexOf('series: ') + 'series: '.length), stroke: p.getAttribute('stroke') ?? '', points };
    });
}

const chart = (over: Partial<Chart> = {}): Chart => ({
  title: 'Breach rate by latency regression',
  subtitle: 'a test',
  x: { title: 'latency increase', unit: '%' },
  y: { title: 'soaks judged breach', unit: '%', min: 0, max: 100 },
  series: [
    { name: 'absolute only', points: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 50, y: 0 }] },
    { name: 'peers', points: [{ x: 0, y: 0 }, { x: 10, y: 5 }, { x: 25, y: 36.25 }, { x: 50, y: 100 }] },
    { name: 'before & <after>', points: [{ x: 0, y: 90 }, { x: 25, y: 37.5 }, { x: 50, y: 60 }] },
  ],
  ...over,
});

test('lineChartSvg: well-formed SVG with the title, axis titles with units, a legend entry and a line per series', async () => {
  const doc = parseSvg(await lineChartSvg(chart()));
  assert.deepEqual(texts(doc, 'role-title-text'), ['Breach rate by latency regression']);
  assert.deepEqual(texts(doc, 'role-title-subtitle'), ['a test']);
  assert.deepEqual(texts(doc, 'role-axis-title').sort(), ['latency increase (%)', 'soaks judged breach (%)']);
  // The legend keeps the series' order; markup in a name is escaped, not parsed.
  assert.deepEqual(texts(doc, 'role-legend-label'), ['absolute only', 'peers', 'before & <after>']);
  const ls = lines(doc);
  assert.deepEqual(ls.map((l) => l.series), ['absolute only', 'peers', 'before & <after>']);
  assert.deepEqual(ls.map((l) => l.points.length), [3, 4, 3]);
  assert.equal(new Set(ls.map((l) => l.stroke)).size, 3, 'each series in its own colour');
  // y ticks are round numbers across the fixed 0..100.
  const yLabels = texts(doc, 'role-axis-label').map(Number);
  assert.ok(yLabels.includes(0) && yLabels.includes(100), `tick labels ${yLabels}`);
});

test('lineChartSvg: a higher value is higher on the page, a larger x further right, across series', async () => {
  const c = chart();
  const ls = lines(parseSvg(await lineChartSvg(c)));
  const pairs = c.series.flatMap((s, i) => s.points.map((p, k) => ({ data: p, px: ls[i].points[k] })));
  for (const a of pairs) {
    for (const b of pairs) {
      if (a.data.y > b.data.y) assert.ok(a.px[1] < b.px[1], `y ${a.data.y} drawn at ${a.px[1]}, y ${b.data.y} at ${b.px[1]} (SVG y grows downwards)`);
      if (a.data.y === b.data.y) assert.equal(a.px[1], b.px[1]);
      if (a.data.x > b.data.x) assert.ok(a.px[0] > b.px[0], `x ${a.data.x} at ${a.px[0]}, x ${b.data.x} at ${b.px[0]}`);
    }
  }
  // y 0 and 100 are the fixed ends of the plot area: 100 at the top.
  const peers = ls[1].points;
  assert.equal(peers[3][1], 0);
  assert.ok(peers[0][1] > 100);
});

test('lineChartSvg: a log x puts powers of ten at equal steps, with ticks at the decades', async () => {
  const svg = await lineChartSvg({
    title: 'Detection and evaluation lag',
    x: { title: 'concurrent soaks', log: true },
    y: { title: 'time', unit: 's', min: 0 },
    series: [{ name: 'detection p50', points: [{ x: 10, y: 7.6 }, { x: 100, y: 9.6 }, { x: 1000, y: 8.2 }] }],
  });
  const doc = parseSvg(svg);
  const [[x10], [x100], [x1000]] = lines(doc)[0].points;
  assert.ok(Math.abs(x100 - x10 - (x1000 - x100)) <= 1, `${x10}, ${x100}, ${x1000}`);
  assert.deepEqual(texts(doc, 'role-axis-title').sort(), ['concurrent soaks', 'time (s)']);
  assert.ok(texts(doc, 'role-axis-label').includes('1,000'));
  assert.deepEqual(logTicks([10, 1000]), [10, 100, 1000]);
  assert.deepEqual(logTicks([3, 40]), [1, 10, 100]);
  assert.deepEqual(logTicks([2, 8]), [1, 2, 5, 10]);
  assert.deepEqual(logTicks([0.02, 0.5]), [0.01, 0.1, 1]);
});

test('lineChartSvg: the same chart gives the same bytes, render after render', async () => {
  assert.equal(await lineChartSvg(chart()), await lineChartSvg(chart()));
});

test('lineChartSvg refuses an empty series, NaN, null, a non-positive value on a log axis, no series and a repeated name', async () => {
  const series = chart().series;
  await assert.rejects(lineChartSvg(chart({ series: [...series, { name: 'none yet', points: [] }] })), /chart "Breach rate by latency regression": series "none yet" has no points/);
  await assert.rejects(lineChartSvg(chart({ series: [{ name: 'peers', points: [{ x: 0, y: 1 }, { x: 10, y: NaN }] }] })), /series "peers", point 1: y is NaN, not a finite number/);
  const fromJson = JSON.parse('{"title":"t","x":{"title":"x"},"y":{"title":"y"},"series":[{"name":"a","points":[{"x":1,"y":null}]}]}') as Chart;
  assert.throws(() => checkChart(fromJson), /series "a", point 0: y is null/);
  await assert.rejects(
    lineChartSvg(chart({ x: { title: 'soaks', log: true }, series: [{ name: 'a', points: [{ x: 0, y: 1 }] }] })),
    /series "a", point 0: x is 0, and the x axis is logarithmic/,
  );
  await assert.rejects(lineChartSvg(chart({ series: [] })), /no series to draw/);
  await assert.rejects(lineChartSvg(chart({ series: [series[1], series[1]] })), /two series are named "peers"/);
});

test('writePlot writes the SVG and its numbers in data/ beside it, and only SVG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-plot-'));
  const file = join(dir, 'breach.svg');
  assert.equal(dataFileFor(file), join(dir, 'data', 'breach.json'));
  await writePlot(file, chart());
  assert.deepEqual(JSON.parse(readFileSync(dataFileFor(file), 'utf8')), chart());
  parseSvg(readFileSync(file, 'utf8'));
  await assert.rejects(writePlot(join(dir, 'breach.png'), chart()), /written as SVG/);
});

test('soakPlot: the first shape of the ladder, in seconds, and no empty series', () => {
  const phase = (soaks: number, regionsPerDeploy: number, p50Ms: number | null) =>
    ({ soaks, workers: 1, regionsPerDeploy, lagP99Ms: 45, detection: { p50Ms, p99Ms: p50Ms, boundMs: 12000 } }) as SoakPhase;
  const c = soakPlot([phase(10, 10, 7600), phase(100, 10, null), phase(1000, 10, 8200), phase(1000, 1, 9500)], 'sub');
  assert.deepEqual(c.series.find((s) => s.name === 'detection p50')?.points, [{ x: 10, y: 7.6 }, { x: 1000, y: 8.2 }]);
  assert.deepEqual(c.series.find((s) => s.name === 'evaluation lag p99')?.points.map((p) => p.x), [10, 100, 1000]);
  const none = soakPlot([phase(10, 10, null)], 'sub');
  assert.deepEqual(none.series.map((s) => s.name), ['bound', 'evaluation lag p99']);
  assert.equal(none.x.log, true);
});

test('every plot in docs/ is what scripts/plot-docs.ts draws from its docs/data/ file', async () => {
  const files = readdirSync(join(DOCS, 'data')).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), ['bench-soaks.json', 'judgement-biased.json', 'judgement-errors.json', 'judgement-latency.json', 'review-deploys-per-week.json']);
  for (const f of files) {
    const svgFile = join(DOCS, f.replace(/\.json$/, '.svg'));
    assert.ok(existsSync(svgFile), `${svgFile} exists`);
    const drawn = `${await lineChartSvg(JSON.parse(readFileSync(join(DOCS, 'data', f), 'utf8')) as Chart)}\n`;
    assert.equal(readFileSync(svgFile, 'utf8'), drawn, `docs/${f.replace(/\.json$/, '.svg')} is out of date: npm run plot-docs`);
  }
});
