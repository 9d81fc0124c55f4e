/**
 * meanCovariance against the textbook accumulation written here (one centred row at a time, in row
 * order): the same sums in the same order, so the same bits, for all rows or a subset, any row count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanCovariance } from '../src/sortingcomponents/linalg.js';
import { randomArray } from './helpers/random.js';
import { textbookMeanCovariance } from './helpers/covariance.js';

test('meanCovariance equals the one-row-at-a-time accumulation bit for bit', () => {
  for (const [n, d] of [[0, 3], [1, 5], [3, 7], [4, 48], [11, 48], [203, 13]]) {
    const x = randomArray(n * d, n + d);
    for (let i = 0; i < x.length; i += 5) x[i] *= 40; // some large features, as spike features have
    const subset = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1).reverse();
    for (const [label, rows, got] of [
      ['all rows', Array.from({ length: n }, (_, i) => i), meanCovariance(x, d)],
      ['a subset', subset, meanCovariance(x, d, Int32Array.from(subset))],
    ] as const) {
      const want = textbookMeanCovariance(x, d, [...rows]);
      for (let k = 0; k < d; k++) assert.ok(Object.is(got.mean[k], want.mean[k]), `${n}×${d} ${label}: mean ${k}`);
      for (let k = 0; k < d * d; k++) assert.ok(Object.is(got.cov[k], want.cov[k]), `${n}×${d} ${label}: cov ${k} = ${got.cov[k]}, textbook ${want.cov[k]}`);
    }
  }
});
