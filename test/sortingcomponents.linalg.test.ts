import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../src/sortingcomponents/linalg.js';
import { symmetricEigen as kernelEigen } from '../src/kernels/linalg.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

/** A covariance of n Gaussian rows in d dimensions, a few of them inflated (like spike features), some all zero (padding). */
function covariance(d: number, n: number, seed: number, zeroDims = 0): Float64Array {
  const rand = seededRandom(seed);
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = j >= d - zeroDims ? 0 : gaussian(rand) * (j < 4 ? 5 : 1);
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) c[p * d + q] += (row[p] * row[q]) / n;
  }
  return c;
}

/**
 * The textbook cyclic Jacobi: each rotation as a column pass, a row pass and an eigenvector pass over
 * whole columns (how the solver was first written). The fused solver must do the same arithmetic.
 */
function plainJacobi(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = (m[i * n + j] + m[j * n + i]) / 2;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i] * m[i * n + i];
      for (let j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        const pass = (x: Float64Array, at: (k: number, j: number) => number) => {
          for (let k = 0; k < n; k++) {
            const xp = x[at(k, p)];
            const xq = x[at(k, q)];
            x[at(k, p)] = c * xp - s * xq;
            x[at(k, q)] = s * xp + c * xq;
          }
        };
        pass(m, (k, j) => k * n + j);
        pass(m, (k, j) => j * n + k);
        pass(v, (k, j) => k * n + j);
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) vectors[i * n + dst] = v[i * n + src];
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
