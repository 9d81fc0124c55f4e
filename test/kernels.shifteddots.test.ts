/**
 * shiftedDots (template scores at neighbouring alignments) against a plain float64 loop written here.
 * Both backends sum float32 products in float64 in another order, so they agree within a few float64
 * roundings of Σ|x·w| (bound 1e-13 of it for these sizes); the WASM module is checked when it is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function reference(x: Float32Array, w: Float32Array, n: number, stride: number, shifts: number): { dots: number[]; mags: number[] } {
  const dots: number[] = [];
  const mags: number[] = [];
  for (let s = 0; s < shifts; s++) {
    let d = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      d += x[s * stride + i] * w[i];
      m += Math.abs(x[s * stride + i] * w[i]);
    }
    dots.push(d);
    mags.push(m);
  }
  return { dots, mags };
}

function backends(): Array<[string, Kernels]> {
  return kernelBackends();
}

test('shiftedDots matches a plain float64 loop for odd sizes, strides and shift counts', () => {
  // n not a multiple of 4 or 8, stride smaller than, equal to and larger than a row, a single shift.
  const shapes = [[1, 1, 1], [7, 3, 5], [90 * 21, 21, 7], [90 * 17 + 3, 17, 2], [33, 40, 3], [8, 0, 4]];
  for (const [label, k] of backends()) {
    let seed = 3;
    for (const [n, stride, shifts] of shapes) {
      const x = randomArray((shifts - 1) * stride + n + 5, seed++);
      const w = randomArray(n, seed++);
      const out = new Float64Array(shifts + 2).fill(NaN);
      k.shiftedDots(x, w, n, stride, shifts, out);
      const ref = reference(x, w, n, stride, shifts);
      for (let s = 0; s < shifts; s++) {
        assert.ok(Math.abs(out[s] - ref.dots[s]) <= 1e-13 * ref.mags[s] + 1e-300, `${label} n=${n} stride=${stride} shift ${s}: ${out[s]} vs ${ref.dots[s]}`);
      }
      assert.ok(Number.isNaN(out[shifts]), `${label}: values beyond the shifts are left alone`);
    }
  }
});

test('shiftedDots products are exact: float32 values whose float32 product would round give the float64 sum', () => {
  // 1 + 2^-12 squared needs 25 significant bits: float32 products would lose 2^-24 per term.
  const v = 1 + 2 ** -12;
  const x = new Float32Array(16).fill(v);
  const w = new Float32Array(16).fill(v);
  for (const [label, k] of backends()) {
    const out = new Float64Array(1);
    k.shiftedDots(x, w, 16, 0, 1, out);
    assert.equal(out[0], 16 * v * v, label);
  }
});

test('shiftedDots rejects inputs too short for the requested windows, naming the sizes', () => {
  for (const [label, k] of backends()) {
    assert.throws(() => k.shiftedDots(new Float32Array(10), new Float32Array(4), 4, 3, 4, new Float64Array(4)), /x has 10 values, 4 windows of 4 spaced 3 need 13/, label);
    assert.throws(() => k.shiftedDots(new Float32Array(20), new Float32Array(3), 4, 3, 4, new Float64Array(4)), /w has 3 values, fewer than n = 4/, label);
    assert.throws(() => k.shiftedDots(new Float32Array(20), new Float32Array(4), 4, 3, 4, new Float64Array(3)), /out has 3 values, fewer than 4 shifts/, label);
  }
});
