/**
 * thresholdCrossings (peak detection's scan) against a scan written here: the indices of values at or
 * beyond either bound, one-sided when the other bound is NaN, with NaN and ±Infinity values, lengths that
 * are not multiples of 4, and (WASM) blocks smaller than the input. Bounds that are not float32 values
 * must be compared in float64 (x ≤ -4.3 is not x ≤ fround(-4.3)); float32 bounds (the WASM kernel's float32
 * path) and a mix of both must give the same crossings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function backends(): Array<[string, Kernels]> {
  return kernelBackends([1 << 20, 4096]);
}

function expected(x: Float32Array, lo: number, hi: number): number[] {
  const out: number[] = [];
  x.forEach((v, i) => {
    if ((!Number.isNaN(lo) && v <= lo) || (!Number.isNaN(hi) && v >= hi)) out.push(i);
  });
  return out;
}

function input(n: number, seed: number): Float32Array {
  const x = randomArray(n, seed).map((v) => v * 6);
  x[3] = NaN;
  x[7] = Infinity;
  x[8] = -Infinity;
  x[n - 1] = -5.5; // exactly a bound, and the last value
  x[11] = Math.fround(-4.3); // just above -4.3 in float32: not a crossing of lo = -4.3
  x[13] = 5.5; // exactly the upper bound
  return x;
}

test('thresholdCrossings finds exactly the values at or beyond the bounds, in order, on both backends', () => {
  for (const [name, k] of backends()) {
    for (const n of [4099, 12, 5]) {
      const x = input(n, n);
      for (const [lo, hi] of [[-5.5, NaN], [NaN, 5.5], [-5.5, 5.5], [-4.3, 4.3], [-5.5, 4.3], [-4.3, 5.5], [NaN, NaN], [-Infinity, Infinity]]) {
        const want = expected(x, lo, hi);
        assert.deepEqual(Array.from(k.thresholdCrossings(x, lo, hi)), want, `${name}: n ${n}, bounds ${lo}, ${hi}`);
        if (n > 100 && !Number.isNaN(lo) && lo > -6) assert.ok(want.length > 10, 'the input has crossings to find');
      }
    }
    assert.deepEqual(Array.from(k.thresholdCrossings(new Float32Array(0), -1, 1)), [], `${name}: empty input`);
  }
});
