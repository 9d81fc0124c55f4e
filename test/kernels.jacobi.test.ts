/**
 * jacobiSweeps (the symmetric eigensolver's rotations) against the textbook cyclic Jacobi written here:
 * every backend must give the same bits (the sorter's clusters depend on the eigenvectors' last bits),
 * and the result must be an eigendecomposition (A·v = λ·v to 1e-9 relative). WASM is checked when built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

/** A symmetric covariance of n Gaussian rows in d dimensions, some leading ones inflated, the last zeroDims all zero. */
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

/** One rotation as three whole passes (columns of m, rows of m, rows of vt), in the textbook order. */
function plainSweeps(m: Float64Array, v: Float64Array, n: number, maxSweeps: number): void {
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
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
        pass(v, (k, j) => j * n + k);
      }
    }
  }
}

function identity(n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return v;
}

test('jacobiSweeps gives the textbook Jacobi’s bits on every backend, and an eigendecomposition', () => {
  // Even and odd sizes (the WASM lanes' tails), zero dimensions (skipped rotations), a last-bit asymmetry
  // inside the matrix (m stays asymmetric in the last bit: both triangles must be rotated), sweep caps.
  const cases = [[48, 0, 1, 60], [48, 12, 2, 60], [13, 0, 3, 60], [7, 2, 4, 60], [2, 0, 5, 60], [1, 0, 6, 60], [31, 0, 7, 2], [0, 0, 8, 60]] as const;
  for (const [name, k] of kernelBackends()) {
    for (const [d, zero, seed, sweeps] of cases) {
      const a = covariance(d, 3 * d + 5, seed, zero);
      if (d > 2) a[2 * d + 1] = a[d + 2] * (1 + 2 ** -52);
      const mRef = Float64Array.from(a);
      const vRef = identity(d);
      plainSweeps(mRef, vRef, d, sweeps);
      const m = Float64Array.from(a);
      const vt = identity(d);
      k.jacobiSweeps(m, vt, d, sweeps);
      for (let i = 0; i < d * d; i++) {
        assert.ok(Object.is(m[i], mRef[i]), `${name} d=${d}: m[${i}] = ${m[i]}, textbook ${mRef[i]}`);
        assert.ok(Object.is(vt[i], vRef[i]), `${name} d=${d}: vt[${i}] = ${vt[i]}, textbook ${vRef[i]}`);
      }
      if (sweeps < 60 || d === 0) continue;
      // Row i of vt is the eigenvector of m[i, i]: check A·v = λ·v against the input.
      let scale = 0;
      for (const x of a) scale = Math.max(scale, Math.abs(x));
      for (let i = 0; i < d; i++) {
        for (let r = 0; r < d; r++) {
          let av = 0;
          for (let c = 0; c < d; c++) av += a[r * d + c] * vt[i * d + c];
          assert.ok(Math.abs(av - m[i * d + i] * vt[i * d + r]) <= 1e-9 * scale, `${name} d=${d}: eigenpair ${i} residual at ${r}`);
        }
      }
    }
  }
});

test('jacobiSweeps rejects matrices smaller than n × n', () => {
  for (const [name, k] of kernelBackends()) {
    assert.throws(() => k.jacobiSweeps(new Float64Array(8), new Float64Array(9), 3, 60), /must hold 3 × 3/, name);
  }
});
