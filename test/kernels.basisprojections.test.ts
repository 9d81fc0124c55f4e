/**
 * basisProjections (template matching's per-spike PC features): every backend must give the TS reference's
 * float32 values bit for bit (sortings depend on it), with the block resident in the kernels' memory (the
 * WASM path) or not; the reference itself lies within float32 rounding of a plain loop written here, and
 * entries past the columns stay as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basisProjectionsTS } from '../src/kernels/basisprojections.js';
import { randomArray, randomInts } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

test('basisProjections equals the TS reference bit for bit, resident or not, and a plain loop within rounding', () => {
  for (const [ld, rows, m, k, len, stride] of [[384, 120, 7, 3, 61, 8], [13, 40, 5, 2, 17, 6], [31, 50, 1, 4, 9, 1], [9, 30, 8, 3, 30, 8]]) {
    const next = randomInts(ld + m);
    const cols = Int32Array.from({ length: m }, () => next(ld));
    const basis = randomArray(k * len, 11 + m);
    const row0 = rows - len;
    const data = randomArray(rows * ld, 5 + k);
    const want = new Float32Array(k * stride).fill(7);
    basisProjectionsTS(data, ld, row0, cols, basis, k, len, want, stride);
    for (let r = 0; r < k; r++) {
      for (let j = 0; j < stride; j++) {
        if (j >= m) {
          assert.equal(want[r * stride + j], 7, `entry ${r}, ${j} past the columns was written`);
          continue;
        }
        let ref = 0;
        let mag = 0;
        for (let p = 0; p < len; p++) {
          const v = basis[r * len + p] * data[(row0 + p) * ld + cols[j]];
          ref += v;
          mag += Math.abs(v);
        }
        assert.ok(Math.abs(want[r * stride + j] - ref) <= 1e-6 * mag, `component ${r} column ${j}: ${want[r * stride + j]} vs ${ref}`);
      }
    }
    for (const [name, kern] of kernelBackends()) {
      const places: Float32Array[] = [data];
      if (kern.residentFloat32) {
        const x = kern.residentFloat32(0x7b70, data.length);
        x.set(data);
        places.push(x);
      }
      for (const x of places) {
        const got = new Float32Array(k * stride).fill(7);
        kern.basisProjections(x, ld, row0, cols, basis, k, len, got, stride);
        for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `${name} ld ${ld} m ${m} [${i}]: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test('basisProjections rejects snippets outside the block and columns outside its width', () => {
  for (const [name, k] of kernelBackends()) {
    const x = new Float32Array(4 * 5);
    const b = new Float32Array(6);
    assert.throws(() => k.basisProjections(x, 5, 2, Int32Array.of(1), b, 2, 3, new Float32Array(2), 1), /rows \[2, 5\) lie outside a block of 4 rows/, name);
    assert.throws(() => k.basisProjections(x, 5, 0, Int32Array.of(5), b, 2, 3, new Float32Array(2), 1), /column 5 is outside/, name);
  }
});
