/**
 * channelMedianAndMad and normalizedRowSelect (the common-mode estimate's selections) against medians
 * written here by sorting copies: every backend must give exactly the sorted-array values (index n >> 1,
 * NaN last), zeros as +0, on sizes either side of the WASM thresholds, with ties, zeros of both signs,
 * infinities and NaN, and on row blocks that stream in several kernel calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { SelectionShape, selectionValues, sortedMedianAndMad } from './helpers/mad.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

test('channelMedianAndMad equals each column\'s sorted-copy median and MAD on every backend', () => {
  const shapes: SelectionShape[] = ['gauss', 'ties', 'zeros', 'heavy', 'nan'];
  // Row counts either side of the WASM threshold; channel counts around the kernel's 16-channel groups.
  for (const [rows, nc] of [[1, 3], [2, 5], [255, 17], [256, 16], [257, 33], [1024, 5], [7500, 20]] as const) {
    const x = new Float32Array(rows * nc);
    const columns = Array.from({ length: nc }, (_, c) => Float64Array.from(selectionValues(rows, shapes[c % shapes.length], 100 * rows + c), Math.fround));
    columns.forEach((col, c) => col.forEach((v, t) => (x[t * nc + c] = v)));
    for (const [name, k] of kernelBackends()) {
      const out = new Float64Array(2 * nc + 1).fill(-7);
      k.channelMedianAndMad(x, nc, out);
      columns.forEach((col, c) => {
        const want = sortedMedianAndMad(col);
        assert.ok(Object.is(out[2 * c], want[0]) && Object.is(out[2 * c + 1], want[1]), `${name} ${rows}×${nc} channel ${c} (${shapes[c % shapes.length]}): got [${out[2 * c]}, ${out[2 * c + 1]}], expected [${want[0]}, ${want[1]}]`);
      });
      assert.equal(out[2 * nc], -7, `${name}: wrote past 2 × numChannels`);
    }
  }
});

/** The reference per row: the centred, scaled values of the live channels, sorted, at rank k. */
function sortedRowSelect(x: Float32Array, nc: number, live: Int32Array, centre: Float64Array, inv: Float64Array, k: number, rows: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, t) => Float64Array.from(live, (c) => (x[t * nc + c] - centre[c]) * inv[c]).sort()[k] + 0);
}

test('normalizedRowSelect equals the sorted-row value at rank k on every backend, across blocks', () => {
  const rand = seededRandom(5);
  for (const [nc, rows] of [[7, 5], [64, 300], [384, 1200]] as const) {
    const x = Float32Array.from({ length: nc * rows }, (_, i) => (i % 13 === 0 ? 0 : i % 17 === 0 ? -0 : Math.round(gaussian(rand) * 4) / 4));
    const centre = Float64Array.from({ length: nc }, (_, c) => (c % 3 === 0 ? 0 : gaussian(rand) * 0.1));
    const inv = Float64Array.from({ length: nc }, (_, c) => (c % 5 === 0 ? 1 : 0.5 + rand()));
    // Every other channel on the wide cases (a recording's dead channels are left out).
    const live = Int32Array.from({ length: nc }, (_, c) => c).filter((c) => nc < 10 || c % 2 === 0);
    for (const k of [0, live.length >> 1, live.length - 1]) {
      const want = sortedRowSelect(x, nc, live, centre, inv, k, rows);
      for (const [name, kern] of kernelBackends()) {
        const out = new Float64Array(rows);
        kern.normalizedRowSelect(x, nc, live, centre, inv, k, out);
        for (let t = 0; t < rows; t++) assert.ok(Object.is(out[t], want[t]), `${name} nc=${nc} k=${k} row ${t}: ${out[t]} vs ${want[t]}`);
      }
    }
  }
});

test('normalizedRowSelect and channelMedianAndMad name what is wrong with bad shapes', () => {
  for (const [, k] of kernelBackends()) {
    assert.throws(() => k.normalizedRowSelect(new Float32Array(8), 4, Int32Array.of(0, 5), new Float64Array(4), new Float64Array(4), 0, new Float64Array(2)), /live channel 5 is outside 0\.\.3/);
    assert.throws(() => k.normalizedRowSelect(new Float32Array(8), 4, Int32Array.of(0, 1), new Float64Array(4), new Float64Array(4), 2, new Float64Array(2)), /rank 2 is outside 0\.\.1/);
    assert.throws(() => k.normalizedRowSelect(new Float32Array(7), 4, Int32Array.of(0, 1), new Float64Array(4), new Float64Array(4), 0, new Float64Array(2)), /x holds 7 values/);
    assert.throws(() => k.channelMedianAndMad(new Float32Array(7), 2, new Float64Array(4)), /7 samples is not a multiple of 2 channels/);
    assert.throws(() => k.channelMedianAndMad(new Float32Array(8), 2, new Float64Array(3)), /out holds 3 values/);
  }
});
