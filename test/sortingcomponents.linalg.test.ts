import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../src/sortingcomponents/linalg.js';
import { symmetricEigen as kernelEigen } from '../src/kernels/linalg.js';
import { covariance, identity, plainSweeps } from './helpers/jacobi.js';

/** The textbook Jacobi (test/helpers/jacobi.ts) on the symmetrised matrix, ascending, vectors as columns. */
function plainJacobi(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = (m[i * n + j] + m[j * n + i]) / 2;
  const vt = identity(n);
  plainSweeps(m, vt, n, 60);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) vectors[i * n + dst] = vt[src * n + i];
  });
  return { values: Float64Array.from(order, (i) => m[i * n + i]), vectors };
}

test('the fused Jacobi solver is bit-identical to the plain one; the sorter’s wrapper is it reordered descending with vectors as rows', () => {
  for (const [d, zero, seed] of [[48, 0, 1], [48, 12, 2], [13, 0, 3], [2, 0, 4], [1, 0, 5]] as const) {
    const a = covariance(d, 3 * d + 5, seed, zero);
    // An asymmetric last bit, as covariances summed in float64 may have: both solvers symmetrise the same way.
    if (d > 1) a[1] = a[d] * (1 + 2 ** -52);
    const ref = plainJacobi(a, d);
    const kernel = kernelEigen(a, d);
    const ours = symmetricEigen(a, d);
    for (let r = 0; r < d; r++) {
      const col = d - 1 - r;
      assert.ok(Object.is(kernel.values[r], ref.values[r]), `d=${d}: kernel value ${r} differs`);
      for (let k = 0; k < d; k++) assert.ok(Object.is(kernel.vectors[k * d + r], ref.vectors[k * d + r]), `d=${d}: kernel vector ${r}[${k}] differs`);
      assert.ok(Object.is(ours.values[r], ref.values[col]), `d=${d}: value ${r} differs`);
      for (let k = 0; k < d; k++) assert.ok(Object.is(ours.vectors[r * d + k], ref.vectors[k * d + col]), `d=${d}: vector ${r}[${k}] differs`);
    }
  }
});

test('symmetricEigen: A·v = λ·v for each row vector, orthonormal, values descending', () => {
  const d = 20;
  const a = covariance(d, 80, 9);
  const { values, vectors } = symmetricEigen(a, d);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let r = 0; r < d; r++) {
    if (r > 0) assert.ok(values[r] <= values[r - 1], 'values not descending');
    for (let i = 0; i < d; i++) {
      let av = 0;
      for (let k = 0; k < d; k++) av += a[i * d + k] * vectors[r * d + k];
      assert.ok(Math.abs(av - values[r] * vectors[r * d + i]) < 1e-10 * scale, `A·v ≠ λ·v for vector ${r}`);
    }
    for (let s = 0; s <= r; s++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += vectors[r * d + k] * vectors[s * d + k];
      assert.ok(Math.abs(dot - (r === s ? 1 : 0)) < 1e-12, `vectors ${r}, ${s} not orthonormal`);
    }
  }
});

test('symmetricEigen rejects a matrix of the wrong size', () => {
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /5 values for a 2 × 2 matrix/);
});
