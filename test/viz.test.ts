import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { niceTicks } from '../src/viz/axes.js';
import { renderUnitPanels, unitPanelsPng } from '../src/viz/units.js';
import { RgbaCanvas } from '../src/viz/png.js';
import { drawText, textWidth } from '../src/viz/font.js';

test('nice ticks are round numbers covering the range', () => {
  assert.deepEqual(niceTicks(0, 15), [0, 5, 10, 15]);
  assert.deepEqual(niceTicks(0, 15, 10), [0, 2, 4, 6, 8, 10, 12, 14]);
  assert.deepEqual(niceTicks(0, 600), [0, 100, 200, 300, 400, 500, 600]);
  assert.deepEqual(niceTicks(0.013, 0.05, 4), [0.02, 0.03, 0.04, 0.05]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('text is drawn with the bitmap font and measured consistently', () => {
  const c = new RgbaCanvas(60, 10);
  drawText(c, '10', 0, 0, [0, 0, 0]);
  let ink = 0;
  let maxX = 0;
  for (let y = 0; y < 10; y++) for (let x = 0; x < 60; x++) if (c.data[(y * 60 + x) * 4] === 0) { ink++; maxX = Math.max(maxX, x); }
  assert.ok(ink > 10);
  assert.ok(maxX < textWidth('10'));
});

test('unit panels: one panel per unit, good units in green, PNG decodes to the canvas size', () => {
  const len = 30;
  const nc = 4;
  const numUnits = 2;
  const templates = new Float32Array(numUnits * len * nc);
  for (let u = 0; u < numUnits; u++) for (let p = 0; p < len; p++) templates[(u * len + p) * nc + u] = -100 * Math.exp(-((p - 10) ** 2) / 8);
  const input = {
    templates, numUnits, numSamples: len, numChannels: nc,
    locations: Float64Array.from([0, 0, 0, 20, 0, 40, 0, 60]),
    unitIds: ['a', 'b'], labels: ['good', 'mua'], counts: [10, 20],
  };
  const canvas = renderUnitPanels(input, { panelSize: 100 });
  assert.equal(canvas.width, 200);
  assert.equal(canvas.height, 100);
  const isColour = (x0: number, x1: number, rgb: number[]) => {
    for (let y = 0; y < 100; y++) for (let x = x0; x < x1; x++) {
      const o = (y * canvas.width + x) * 4;
      if (canvas.data[o] === rgb[0] && canvas.data[o + 1] === rgb[1] && canvas.data[o + 2] === rgb[2]) return true;
    }
    return false;
  };
  assert.ok(isColour(0, 100, [30, 140, 60]), 'good unit drawn in green');
  assert.ok(isColour(100, 200, [220, 120, 20]), 'mua unit drawn in orange');
  assert.ok(!isColour(0, 100, [220, 120, 20]));
  const png = unitPanelsPng(input, { panelSize: 100 });
  assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(view.getUint32(16), 200);
  assert.equal(view.getUint32(20), 100);
  // The IDAT stream inflates to height rows of (1 filter byte + width × 4).
  let off = 8;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len2 = view.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    if (type === 'IDAT') idat.push(Buffer.from(png.subarray(off + 8, off + 8 + len2)));
    off += 12 + len2;
  }
  const rawStored = zlib.inflateSync(Buffer.concat(idat));
  assert.equal(rawStored.length, 100 * (1 + 200 * 4));
  // With zlib's deflate the file is much smaller and decodes to the same pixels.
  const small = unitPanelsPng(input, { panelSize: 100 }, (raw) => zlib.deflateSync(raw));
  assert.ok(small.length < png.length / 5, `${small.length} vs ${png.length} bytes`);
  const sv = new DataView(small.buffer, small.byteOffset);
  const len3 = sv.getUint32(33);
  assert.equal(String.fromCharCode(...small.subarray(37, 41)), 'IDAT');
  assert.ok(zlib.inflateSync(Buffer.from(small.subarray(41, 41 + len3))).equals(rawStored));
});
