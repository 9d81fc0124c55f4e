/**
 * meanCovariance against the textbook accumulation written here (one centred row at a time, in row
 * order): the same sums in the same order, so the same bits, for all rows or a subset, any row count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanCovariance } from '../src/sortingcomponents/linalg.js';
import { randomArray } from './helpers/random.js';

function textbook(x: Float32Array, d: number, rows: number[]): { mean: Float64Array; cov: Float64Array } {
  const n = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k] += x[r * d + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(1, n);
  const cov = new Float64Array(d * d);
  for (const r of rows) {
    const c = Array.from({ length: d }, (_, k) => x[r * d + k] - mean[k]);
    for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[p * d + q] += c[p] * c[q];
  }
  for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[q * d + p] = cov[p * d + q] /= Math.max(1, n - 1);
  return { mean, cov };
}

test('meanCovariance equals the one-row-at-a-time accumulation bit for bit', () => {
  for (const [n, d] of [[0, 3], [1, 5], [3, 7], [4, 48], [11, 48], [203, 13]]) {
    const x = randomArray(n * d, n + d);
    for (let i = 0; i < x.length; i += 5) x[i] *= 40; // some large features, as spike features have
    const subset = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1).reverse();
    for (const [label, rows, got] of [
      ['all rows', Array.from({ length: n }, (_, i) => i), meanCovariance(x, d)],
      ['a subset', subset, meanCovariance(x, d, Int32Array.from(subset))],
    ] as const) {
      const want = textbook(x, d, [...rows]);
      for (let k = 0; k < d; k++) assert.ok(Object.is(got.mean[k], want.mean[k]), `${n}×${d} ${label}: mean ${k}`);
      for (let k = 0; k < d * d; k++) assert.ok(Object.is(got.cov[k], want.cov[k]), `${n}×${d} ${label}: cov ${k} = ${got.cov[k]}, textbook ${want.cov[k]}`);
    }
  }
});
