/** Small dense linear algebra in float64: symmetric eigendecomposition (cyclic Jacobi) and helpers. */
import { getKernels } from './registry.js';

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major n × n: vector j is vectors[i * n + j] for i = 0..n-1. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric n × n matrix (row-major; only symmetry-consistent input is
 * meaningful). Cyclic Jacobi rotations: slow for large n (O(n³) per sweep) but accurate to machine
 * precision, which is what whitening of small neighbourhoods needs.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEigen {
  const { m, vt } = jacobiEigen(a, n, maxSweeps);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let i = 0; i < n; i++) vectors[i * n + dst] = vt[src * n + i];
  });
  return { values, vectors };
}

/**
 * The Jacobi iteration itself: `m` ends diagonal (the eigenvalues on it, unsorted) and row i of `vt`
 * is the eigenvector of m[i, i]. The sweeps run in the active kernels (kernels/jacobi.ts is the
 * reference; every backend gives its bits): clustering runs one 48 × 48 decomposition per proposed split.
 */
export function jacobiEigen(a: ArrayLike<number>, n: number, maxSweeps = 60): { m: Float64Array; vt: Float64Array } {
  if (a.length !== n * n) throw new Error(`symmetricEigen: ${a.length} values for a ${n} × ${n} matrix`);
  const m = Float64Array.from(a);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = (m[i * n + j] + m[j * n + i]) / 2;
      m[i * n + j] = s;
      m[j * n + i] = s;
    }
  }
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  getKernels().jacobiSweeps(m, vt, n, maxSweeps);
  return { m, vt };
}

/** V · diag(f(λ)) · Vᵀ for a symmetric eigendecomposition: a matrix function such as C^(-1/2). */
export function eigenFunction(e: SymmetricEigen, f: (lambda: number) => number): Float64Array {
  const n = e.values.length;
  const fl = Float64Array.from(e.values, f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += e.vectors[i * n + k] * fl[k] * e.vectors[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}
