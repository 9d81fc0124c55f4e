/**
 * Small dense linear algebra for the sorter's statistics (covariances of at most a few hundred
 * dimensions): symmetric eigen-decomposition, PCA, regularised solves. Row-major float64.
 */
import { jacobiEigen } from '../kernels/linalg.js';
import { getKernels } from '../kernels/registry.js';
export interface Eigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows, in the order of `values` (d × d). */
  vectors: Float64Array;
}

/** Eigen-decomposition through the kernels' Jacobi solver, in descending order with vectors as rows. */
export function symmetricEigen(a: Float64Array, d: number, sweeps = 60): Eigen {
  const { m, vt } = jacobiEigen(a, d, sweeps);
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[i * d + i] - m[j * d + j]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    const src = order[d - 1 - r];
    values[r] = m[src * d + src];
    vectors.set(vt.subarray(src * d, src * d + d), r * d);
  }
  return { values, vectors };
}

/** Mean and covariance of the rows `rows` of an n × d float32 matrix (all rows when omitted), through the kernels. */
export function meanCovariance(x: Float32Array, d: number, rows?: Int32Array): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  getKernels().meanCovariance(x, d, rows ?? null, mean, cov);
  return { mean, cov };
}

/** Solves (A + ridge·trace(A)/d·I) x = b by Cholesky; A symmetric positive semi-definite. */
export function ridgeSolve(a: Float64Array, b: Float64Array, d: number, ridge = 1e-3): Float64Array {
  let tr = 0;
  for (let i = 0; i < d; i++) tr += a[i * d + i];
  const lam = (ridge * tr) / d + 1e-12;
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j] + (i === j ? lam : 0);
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * d + j];
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}
