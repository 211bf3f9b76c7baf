// A small rasterizer for line/point charts, written to PNG by ./png.ts: axes, ticks with
// numeric labels, grid, several series in distinct colours, a legend, optional log x.
// No dependencies: a bitmap canvas, Bresenham lines, and the 5x7 font in ./font.ts.
import { encodePng } from './png.js';
import { ADVANCE, GLYPH_H, GLYPH_W, glyph, textWidth } from './font.js';

export type Rgb = readonly [number, number, number];
export interface Series {
  name: string;
  points: [number, number][];
  /** Overrides the palette colour for this series. */
  color?: Rgb;
}
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  width?: number;
  height?: number;
  /** Fixes the y range instead of fitting the data. */
  yMin?: number;
  yMax?: number;
}

/** Series colours, in order (a colour-blind-aware categorical palette). */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [23, 190, 207],
  [188, 189, 34],
  [127, 127, 127],
];
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [228, 228, 228];
const LEGEND_BORDER: Rgb = [160, 160, 160];

export class Canvas {
  readonly px: Uint8Array;
  clip = { x0: 0, y0: 0, x1: 0, y1: 0 };
  constructor(
    readonly width: number,
    readonly height: number,
    bg: Rgb = WHITE,
  ) {
    this.px = new Uint8Array(width * height * 4);
    this.resetClip();
    this.fillRect(0, 0, width, height, bg);
  }
  resetClip(): void {
    this.clip = { x0: 0, y0: 0, x1: this.width - 1, y1: this.height - 1 };
  }
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < this.clip.x0 || x > this.clip.x1 || y < this.clip.y0 || y > this.clip.y1) return;
    const i = (y * this.width + x) * 4;
    this.px[i] = c[0];
    this.px[i + 1] = c[1];
    this.px[i + 2] = c[2];
    this.px[i + 3] = 255;
  }
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.set(i, j, c);
  }
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.line(x, y, x + w - 1, y, c);
    this.line(x, y + h - 1, x + w - 1, y + h - 1, c);
    this.line(x, y, x, y + h - 1, c);
    this.line(x + w - 1, y, x + w - 1, y + h - 1, c);
  }
  /** Bresenham; `thickness` draws a square brush. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const lo = -Math.floor((thickness - 1) / 2);
    const hi = lo + thickness - 1;
    for (let guard = 0; guard < 100_000; guard++) {
      for (let a = lo; a <= hi; a++) for (let b = lo; b <= hi; b++) this.set(x0 + a, y0 + b, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
  /** Text with its top-left corner at (x, y); `vertical` draws it rotated 90° counter-clockwise, reading bottom to top from (x, y) as the bottom-left corner. */
  text(s: string, x: number, y: number, c: Rgb, scale = 1, vertical = false): void {
    for (let k = 0; k < s.length; k++) {
      const rows = glyph(s[k]);
      for (let r = 0; r < GLYPH_H; r++) {
        for (let col = 0; col < GLYPH_W; col++) {
          if (!((rows[r] >> (GLYPH_W - 1 - col)) & 1)) continue;
          const gx = k * ADVANCE + col; // along the text
          const gy = r; // across the text
          for (let a = 0; a < scale; a++) {
            for (let b = 0; b < scale; b++) {
              if (vertical) this.set(x + gy * scale + b, y - gx * scale - a, c);
              else this.set(x + gx * scale + a, y + gy * scale + b, c);
            }
          }
        }
      }
    }
  }
  png(): Buffer {
    return encodePng(this.width, this.height, this.px);
  }
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, target = 6): { ticks: number[]; step: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(0).toUpperCase().replace('E+', 'E');
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = b - a;
  const mults = decades <= 2 ? [1, 2, 5] : decades <= 4 ? [1, 3] : [1];
  const out: number[] = [];
  for (let e = a; e <= b; e++) for (const m of mults) {
    const v = m * 10 ** e;
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
  }
  return out;
}

function formatLog(v: number): string {
  if (v >= 1e6 || v < 1e-3) return v.toExponential(0).toUpperCase().replace('E+', 'E');
  return String(Number(v.toPrecision(3)));
}

/** Draws a line/point chart and returns it as a PNG file. */
export function lineChart(opts: LineChartOptions): Buffer {
  const W = Math.round(opts.width ?? 800);
  const H = Math.round(opts.height ?? 500);
  const cv = new Canvas(W, H);
  const s = W >= 600 && H >= 360 ? 2 : 1; // font scale
  const logX = opts.logX === true;

  const series = opts.series.map((ser, i) => ({
    name: ser.name,
    color: ser.color ?? PALETTE[i % PALETTE.length],
    points: ser.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0)),
  }));
  const all = series.flatMap((ser) => ser.points);
  let xLo = all.length ? Math.min(...all.map((p) => p[0])) : logX ? 1 : 0;
  let xHi = all.length ? Math.max(...all.map((p) => p[0])) : logX ? 10 : 1;
  let yLo = opts.yMin ?? (all.length ? Math.min(...all.map((p) => p[1])) : 0);
  let yHi = opts.yMax ?? (all.length ? Math.max(...all.map((p) => p[1])) : 1);

  // x ticks
  let xTicks: number[];
  let xFmt: (v: number) => string;
  if (logX) {
    if (!(xHi > xLo)) {
      xLo /= 2;
      xHi *= 2;
    }
    xTicks = logTicks(xLo, xHi);
    xFmt = formatLog;
  } else {
    const t = niceTicks(xLo, xHi);
    xTicks = t.ticks;
    if (!(xHi > xLo)) {
      xLo = t.ticks[0];
      xHi = t.ticks[t.ticks.length - 1];
    }
    xFmt = (v) => formatTick(v, t.step);
  }
  const yt = niceTicks(yLo, yHi);
  // Fitted ends round outwards to a tick.
  if (opts.yMin === undefined) yLo = Math.min(yLo, Math.floor(yLo / yt.step + 1e-9) * yt.step, yt.ticks[0]);
  if (opts.yMax === undefined) yHi = Math.max(yHi, Math.ceil(yHi / yt.step - 1e-9) * yt.step, yt.ticks[yt.ticks.length - 1]);
  if (opts.yMax === undefined && yt.ticks[yt.ticks.length - 1] < yHi - 1e-9 * yt.step) yt.ticks.push(yHi);
  if (opts.yMin === undefined && yt.ticks[0] > yLo + 1e-9 * yt.step) yt.ticks.unshift(yLo);
  if (!(yHi > yLo)) {
    yLo -= 1;
    yHi += 1;
  }
  const yTicks = yt.ticks.filter((v) => v >= yLo - 1e-12 && v <= yHi + 1e-12);
  const yLabels = yTicks.map((v) => formatTick(v, yt.step));

  // layout
  const ch = GLYPH_H * s;
  const pad = 6 * s;
  const left = pad + ch + pad + Math.max(0, ...yLabels.map((l) => textWidth(l, s))) + pad;
  const right = W - 3 * pad;
  const top = pad + (GLYPH_H * (s + 1)) + pad * 2;
  const bottom = H - (pad + ch + pad + ch + pad);
  const pw = Math.max(1, right - left);
  const ph = Math.max(1, bottom - top);

  const xs = (x: number) =>
    logX ? left + ((Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo) || 1)) * pw : left + ((x - xLo) / (xHi - xLo || 1)) * pw;
  const ys = (y: number) => bottom - ((y - yLo) / (yHi - yLo || 1)) * ph;

  // title
  cv.text(opts.title, Math.max(0, (W - textWidth(opts.title, s + 1)) / 2), pad, BLACK, s + 1);

  // grid and ticks
  for (const v of yTicks) {
    const y = ys(v);
    cv.line(left, y, right, y, GRID);
    cv.line(left - 2 * s, y, left, y, BLACK);
    const l = formatTick(v, yt.step);
    cv.text(l, left - 3 * s - textWidth(l, s), y - ch / 2, BLACK, s);
  }
  let lastRight = -Infinity;
  for (const v of xTicks) {
    const x = xs(v);
    cv.line(x, top, x, bottom, GRID);
    cv.line(x, bottom, x, bottom + 2 * s, BLACK);
    const l = xFmt(v);
    const lx = x - textWidth(l, s) / 2;
    if (lx > lastRight + 2 * s) {
      cv.text(l, lx, bottom + 4 * s, BLACK, s);
      lastRight = lx + textWidth(l, s);
    }
  }
  // axes
  cv.line(left, top, left, bottom, BLACK);
  cv.line(left, bottom, right, bottom, BLACK);
  // axis labels
  cv.text(opts.xLabel, left + (pw - textWidth(opts.xLabel, s)) / 2, H - pad - ch, BLACK, s);
  cv.text(opts.yLabel, pad, top + ph / 2 + textWidth(opts.yLabel, s) / 2, BLACK, s, true);

  // series, clipped to the plot area
  // A little past the plot area, so points on its edges (0 %, 100 %) show whole over the axes.
  cv.clip = { x0: left - 3 * s, y0: top - 3 * s, x1: right + 3 * s, y1: bottom + 2 * s };
  const thick = s;
  const marker = 2 * s + 1;
  for (const ser of series) {
    const pts = [...ser.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++) cv.line(xs(pts[i - 1][0]), ys(pts[i - 1][1]), xs(pts[i][0]), ys(pts[i][1]), ser.color, thick);
    for (const [x, y] of pts) cv.fillRect(xs(x) - (marker - 1) / 2, ys(y) - (marker - 1) / 2, marker, marker, ser.color);
  }
  cv.resetClip();

  // legend, inside the plot area, in the corner that hides the fewest data points
  if (series.length > 0) {
    const sw = 14 * s;
    const lw = pad + sw + pad + Math.max(...series.map((ser) => textWidth(ser.name, s))) + pad;
    const lh = pad + series.length * (ch + pad);
    const samples: [number, number][] = [];
    for (const ser of series) {
      const pts = [...ser.points].sort((a, b) => a[0] - b[0]).map(([x, y]) => [xs(x), ys(y)] as [number, number]);
      pts.forEach((p, i) => {
        samples.push(p);
        const q = pts[i + 1];
        if (q) for (let k = 1; k < 20; k++) samples.push([p[0] + ((q[0] - p[0]) * k) / 20, p[1] + ((q[1] - p[1]) * k) / 20]);
      });
    }
    const corners: [number, number][] = [
      [right - lw - pad, top + pad],
      [left + pad * 2, top + pad],
      [right - lw - pad, bottom - lh - pad],
      [left + pad * 2, bottom - lh - pad],
    ];
    const hidden = ([x, y]: [number, number]) => samples.filter(([px, py]) => px >= x - 4 && px <= x + lw + 4 && py >= y - 4 && py <= y + lh + 4).length;
    const [lx, ly] = corners.reduce((best, c) => (hidden(c) < hidden(best) ? c : best));
    cv.fillRect(lx, ly, lw, lh, WHITE);
    cv.strokeRect(lx, ly, lw, lh, LEGEND_BORDER);
    series.forEach((ser, i) => {
      const ry = ly + pad + i * (ch + pad);
      cv.line(lx + pad, ry + ch / 2, lx + pad + sw, ry + ch / 2, ser.color, thick);
      cv.fillRect(lx + pad + sw / 2 - (marker - 1) / 2, ry + ch / 2 - (marker - 1) / 2, marker, marker, ser.color);
      cv.text(ser.name, lx + pad + sw + pad, ry, BLACK, s);
    });
  }
  return cv.png();
}
