// The PNG chart module (scripts/plot): the file decodes (signature, IHDR, CRCs, IDAT inflates to
// the declared size), has the asked dimensions, and each series' colour is drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng } from '../../scripts/plot/png.js';
import { lineChart, niceTicks, PALETTE } from '../../scripts/plot/chart.js';

interface Decoded {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  rgba: Uint8Array;
}

/** A minimal decoder for what the encoder writes: 8-bit RGBA, no interlace, any filter type. */
function decode(png: Buffer): Decoded {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)), `${type} CRC`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.equal(chunks[0].type, 'IHDR');
  assert.equal(chunks[chunks.length - 1].type, 'IEND');
  const ihdr = chunks[0].data;
  assert.equal(ihdr.length, 13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  assert.equal(ihdr[12], 0, 'no interlace');
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * 4;
  assert.equal(raw.length, (stride + 1) * height);
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? rgba[y * stride + x - 4] : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      assert.notEqual(pred, undefined, `filter type ${f}`);
      rgba[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, rgba };
}

function countColour(d: Decoded, c: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < d.rgba.length; i += 4) if (d.rgba[i] === c[0] && d.rgba[i + 1] === c[1] && d.rgba[i + 2] === c[2] && d.rgba[i + 3] === 255) n++;
  return n;
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
});

test('encodePng round-trips pixels and rejects a wrong buffer size', () => {
  const px = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) & 0xff);
  const d = decode(encodePng(3, 2, px));
  assert.equal(d.width, 3);
  assert.equal(d.height, 2);
  assert.equal(d.bitDepth, 8);
  assert.equal(d.colorType, 6);
  assert.deepEqual([...d.rgba], [...px]);
  assert.throws(() => encodePng(3, 2, new Uint8Array(5)), /expected 24 bytes/);
});

test('lineChart: dimensions, and every series drawn in its own colour', () => {
  const png = lineChart({
    title: 'Detection by regression size',
    xLabel: 'latency increase %',
    yLabel: 'detected %',
    width: 640,
    height: 400,
    series: [
      { name: 'absolute', points: [[10, 0], [25, 2], [50, 30]] },
      { name: 'peers', points: [[10, 20], [25, 70], [50, 99]] },
      { name: 'before', points: [[10, 15], [25, 60], [50, 97.5]] },
    ],
  });
  const d = decode(png);
  assert.equal(d.width, 640);
  assert.equal(d.height, 400);
  const counts = PALETTE.slice(0, 3).map((c) => countColour(d, c));
  for (const [i, n] of counts.entries()) assert.ok(n > 100, `series ${i} has ${n} pixels in its colour`);
  assert.equal(countColour(d, PALETTE[3]), 0, 'no fourth series colour');
  assert.ok(countColour(d, [0, 0, 0]) > 500, 'axes, ticks and text in black');
});

test('lineChart: log x, defaults, and degenerate input (no points, one point, non-positive x on log)', () => {
  const d = decode(lineChart({ title: 'p', xLabel: 'n', yLabel: 'y', logX: true, series: [{ name: 'a', points: [[0, 1], [1, 0.5], [10, 0.1], [1000, 0.001]] }] }));
  assert.equal(d.width, 800);
  assert.equal(d.height, 500);
  assert.ok(countColour(d, PALETTE[0]) > 100);
  const e = decode(lineChart({ title: '', xLabel: '', yLabel: '', width: 120, height: 80, series: [{ name: 'one', points: [[5, 5]] }, { name: 'none', points: [] }] }));
  assert.equal(e.width, 120);
  assert.ok(countColour(e, PALETTE[0]) > 0);
});

test('niceTicks gives round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 99).ticks, [0, 20, 40, 60, 80]);
  assert.equal(niceTicks(0.07, 0.13).step, 0.01);
  assert.ok(niceTicks(3, 3).ticks.length >= 2);
});
