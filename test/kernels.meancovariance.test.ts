/**
 * Kernels.meanCovariance on every backend against the textbook accumulation written here (one centred row
 * at a time, in row order: the same sums in the same order, so the same bits), for all rows or a subset,
 * row counts around the 4-row groups, odd and even dimensions (the WASM lanes pair adjacent entries).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';
import { textbookMeanCovariance } from './helpers/covariance.js';

test('meanCovariance gives the textbook sums bit for bit on every backend', () => {
  for (const [n, d] of [[0, 3], [1, 5], [3, 7], [4, 48], [5, 1], [11, 48], [203, 13], [1000, 48]]) {
    const x = randomArray(n * d, 7 * n + d);
    for (let i = 0; i < x.length; i += 5) x[i] *= 40;
    const subset = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1).reverse();
    for (const [name, k] of kernelBackends()) {
      for (const [label, rows, arg] of [['all rows', Array.from({ length: n }, (_, i) => i), null], ['a subset', subset, Int32Array.from(subset)]] as const) {
        const mean = new Float64Array(d).fill(NaN);
        const cov = new Float64Array(d * d).fill(NaN);
        k.meanCovariance(x, d, arg, mean, cov);
        const want = textbookMeanCovariance(x, d, [...rows]);
        for (let j = 0; j < d; j++) assert.ok(Object.is(mean[j], want.mean[j]), `${name} ${n}×${d} ${label}: mean ${j}`);
        for (let j = 0; j < d * d; j++) assert.ok(Object.is(cov[j], want.cov[j]), `${name} ${n}×${d} ${label}: cov ${j} = ${cov[j]}, textbook ${want.cov[j]}`);
      }
    }
  }
});

test('meanCovariance names what is wrong with bad shapes', () => {
  for (const [, k] of kernelBackends()) {
    assert.throws(() => k.meanCovariance(new Float32Array(7), 2, null, new Float64Array(2), new Float64Array(4)), /7 values, not a multiple of d = 2/);
    assert.throws(() => k.meanCovariance(new Float32Array(8), 2, Int32Array.of(4), new Float64Array(2), new Float64Array(4)), /row 4 is outside 0\.\.3/);
  }
});
