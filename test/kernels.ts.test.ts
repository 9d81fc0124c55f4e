import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { symmetricEigen, eigenFunction } from '../src/kernels/linalg.js';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';

/** Deterministic uniform(-1, 1) values (LCG), so failures reproduce. */

function naiveGemm(tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? A[p * lda + i] : A[i * lda + p]) * (tB ? B[j * ldb + p] : B[p * ldb + j]);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * ldc + j]);
    }
  }
  return out;
}

test('gemm matches a float64 triple loop for all transposes, odd sizes, strides, alpha and beta (rel. 1e-5)', () => {
  const shapes = [[1, 1, 1], [5, 7, 3], [13, 9, 300], [130, 67, 17], [4, 4, 513]];
  let seed = 1;
  for (const [m, n, k] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const lda = (tA ? m : k) + 2;
        const ldb = (tB ? k : n) + 1;
        const ldc = n + 3;
        const A = randomArray((tA ? k : m) * lda, seed++);
        const B = randomArray((tB ? n : k) * ldb, seed++);
        const C = randomArray(m * ldc, seed++);
        const want = naiveGemm(tA, tB, m, n, k, 0.7, A, lda, B, ldb, 0.3, C, ldc);
        tsKernels.gemm(tA, tB, m, n, k, 0.7, A, lda, B, ldb, 0.3, C, ldc);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const tol = 1e-5 * Math.sqrt(k) + 1e-6;
            assert.ok(Math.abs(C[i * ldc + j] - want[i * n + j]) <= tol, `${m}x${n}x${k} tA=${tA} tB=${tB} (${i},${j})`);
          }
          // Padding columns beyond n are untouched.
          for (let j = n; j < ldc && i * ldc + j < C.length; j++) assert.ok(Math.abs(C[i * ldc + j]) <= 1);
        }
      }
    }
  }
  const C0 = new Float32Array(4).fill(NaN);
  tsKernels.gemm(false, false, 2, 2, 1, 1, Float32Array.of(1, 2), 1, Float32Array.of(3, 4), 2, 0, C0, 2);
  assert.deepEqual(Array.from(C0), [3, 4, 6, 8]);
  assert.throws(() => tsKernels.gemm(false, false, 3, 3, 3, 1, new Float32Array(8), 3, new Float32Array(9), 3, 0, new Float32Array(9), 3), /A \(3 × 3/);
});

test('sosfilt forward/backward over a time-major block equals per-channel float64 direct-form filtering (rel. 1e-5)', () => {
  // Two stable sections (a resonant pair and a real pole) with non-trivial numerators.
  const sos = Float64Array.of(0.2, -0.1, 0.05, 1, -1.2, 0.7, 1, 0.5, 0, 1, -0.6, 0);
  const nc = 5;
  const nt = 400;
  const x = randomArray(nc * nt, 99);
  for (const backward of [false, true]) {
    const y = x.slice();
    const state = new Float64Array(2 * 2 * nc);
    // Split into two calls to check that the state carries over.
    const half = 150 * nc;
    const first = backward ? y.subarray(half) : y.subarray(0, half);
    const second = backward ? y.subarray(0, half) : y.subarray(half);
    tsKernels.sosfilt(sos, first, nc, state, backward);
    tsKernels.sosfilt(sos, second, nc, state, backward);
    for (let c = 0; c < nc; c++) {
      let sig = Array.from({ length: nt }, (_, t) => x[t * nc + c]);
      if (backward) sig.reverse();
      for (let s = 0; s < 2; s++) {
        const [b0, b1, b2, , a1, a2] = sos.subarray(s * 6, s * 6 + 6);
        const outS = new Array<number>(nt);
        for (let t = 0; t < nt; t++) {
          const xm1 = t > 0 ? sig[t - 1] : 0, xm2 = t > 1 ? sig[t - 2] : 0;
          const ym1 = t > 0 ? outS[t - 1] : 0, ym2 = t > 1 ? outS[t - 2] : 0;
          outS[t] = b0 * sig[t] + b1 * xm1 + b2 * xm2 - a1 * ym1 - a2 * ym2;
        }
        sig = outS;
      }
      if (backward) sig.reverse();
      for (let t = 0; t < nt; t++) assert.ok(Math.abs(y[t * nc + c] - sig[t]) <= 1e-5, `c${c} t${t} backward=${backward}`);
    }
  }
});

test('medianAcrossChannels equals the sorted-middle median (odd, even, duplicates, subsets)', () => {
  const nc = 9;
  const nt = 200;
  const x = randomArray(nc * nt, 7);
  for (let i = 0; i < x.length; i += 5) x[i] = 0.25; // ties
  for (const subset of [[0, 1, 2, 3, 4, 5, 6, 7, 8], [8, 2, 5, 1], [3], [4, 4, 0]]) {
    const out = new Float32Array(nt * 2);
    tsKernels.medianAcrossChannels(x, nc, Int32Array.from(subset), out, 2, 1);
    for (let t = 0; t < nt; t++) {
      const v = subset.map((c) => x[t * nc + c]).sort((a, b) => a - b);
      const h = v.length >> 1;
      const want = v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
      assert.ok(Math.abs(out[t * 2 + 1] - want) <= 1e-7, `t${t} subset ${subset}`);
      assert.equal(out[t * 2], 0);
    }
  }
});

test('accumulateCovariance adds XᵀX computed in float64 (rel. 1e-5), across calls', () => {
  const nc = 7;
  const nt = 3000;
  const x = randomArray(nc * nt, 3);
  const acc = new Float64Array(nc * nc).fill(1);
  tsKernels.accumulateCovariance(x.subarray(0, 1100 * nc), nc, acc);
  tsKernels.accumulateCovariance(x.subarray(1100 * nc), nc, acc);
  for (let i = 0; i < nc; i++) {
    for (let j = 0; j < nc; j++) {
      let s = 1;
      for (let t = 0; t < nt; t++) s += x[t * nc + i] * x[t * nc + j];
      assert.ok(Math.abs(acc[i * nc + j] - s) <= 1e-5 * nt, `(${i},${j}) ${acc[i * nc + j]} vs ${s}`);
    }
  }
});

test('correlateChannels equals direct valid cross-correlation (rel. 1e-6)', () => {
  const nc = 6;
  const nt = 120;
  const taps = 11;
  const nf = 3;
  const x = randomArray(nc * nt, 11);
  const filters = randomArray(nf * taps, 12);
  const nOut = nt - taps + 1;
  const out = new Float32Array(nf * nOut * nc);
  tsKernels.correlateChannels(x, nc, filters, taps, out);
  for (let f = 0; f < nf; f++) {
    for (let t = 0; t < nOut; t++) {
      for (let c = 0; c < nc; c++) {
        let s = 0;
        for (let j = 0; j < taps; j++) s += x[(t + j) * nc + c] * filters[f * taps + j];
        assert.ok(Math.abs(out[(f * nOut + t) * nc + c] - s) <= 1e-6 * taps, `f${f} t${t} c${c}`);
      }
    }
  }
});

test('symmetricEigen: A·v = λ·v, orthonormal vectors, ascending values; C^(-1/2)·C·C^(-1/2) = I', () => {
  const n = 12;
  const r = randomArray(n * n, 5);
  // A = RᵀR + 0.1 I: symmetric positive definite with a spread of eigenvalues.
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 0.1 : 0;
    for (let k = 0; k < n; k++) s += r[k * n + i] * r[k * n + j];
    A[i * n + j] = s;
  }
  const e = symmetricEigen(A, n);
  for (let j = 0; j < n; j++) {
    if (j > 0) assert.ok(e.values[j] >= e.values[j - 1]);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += A[i * n + k] * e.vectors[k * n + j];
      assert.ok(Math.abs(av - e.values[j] * e.vectors[i * n + j]) <= 1e-10, `Av=λv (${i},${j})`);
    }
    for (let l = 0; l < n; l++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += e.vectors[k * n + j] * e.vectors[k * n + l];
      assert.ok(Math.abs(d - (j === l ? 1 : 0)) <= 1e-12);
    }
  }
  const w = eigenFunction(e, (l) => 1 / Math.sqrt(l));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += w[i * n + k] * A[k * n + l] * w[l * n + j];
    assert.ok(Math.abs(s - (i === j ? 1 : 0)) <= 1e-9, `WCW (${i},${j}) = ${s}`);
  }
});

test('setKernels swaps the backend and returns the previous one', () => {
  const calls: string[] = [];
  const spy: Kernels = { ...tsKernels, name: 'spy', gemm: (...a) => { calls.push('gemm'); tsKernels.gemm(...a); } };
  const prev = setKernels(spy);
  try {
    assert.equal(getKernels().name, 'spy');
    getKernels().gemm(false, false, 1, 1, 1, 1, Float32Array.of(2), 1, Float32Array.of(3), 1, 0, new Float32Array(1), 1);
    assert.deepEqual(calls, ['gemm']);
  } finally {
    setKernels(prev);
  }
  assert.equal(getKernels().name, 'ts');
});
