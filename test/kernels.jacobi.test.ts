/**
 * jacobiSweeps (the symmetric eigensolver's rotations) against the textbook cyclic Jacobi (test/helpers/jacobi.ts):
 * every backend must give the same bits (the sorter's clusters depend on the eigenvectors' last bits),
 * and the result must be an eigendecomposition (A·v = λ·v to 1e-9 relative). WASM is checked when built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { covariance, identity, plainSweeps } from './helpers/jacobi.js';

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
