/** Small dense linear algebra in float64: symmetric eigendecomposition (cyclic Jacobi) and helpers. */

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
 * is the eigenvector of m[i, i]. Clustering runs one 48 × 48 decomposition per proposed split, so
 * each rotation updates rows, columns and eigenvectors in one pass (see rotateFused).
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
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotateFused(m, vt, n, p, q, c, s);
      }
    }
  }
  return { m, vt };
}

/** Rows and columns p, q of m outside the 2 × 2 block, and entries k of eigenvector rows p, q, for k in [from, to). */
function rotateOutside(m: Float64Array, vt: Float64Array, n: number, pn: number, qn: number, p: number, q: number, c: number, s: number, from: number, to: number): void {
  for (let k = from, kn = from * n; k < to; k++, kn += n) {
    const mkp = m[kn + p];
    const mkq = m[kn + q];
    m[kn + p] = c * mkp - s * mkq;
    m[kn + q] = s * mkp + c * mkq;
    const mpk = m[pn + k];
    const mqk = m[qn + k];
    m[pn + k] = c * mpk - s * mqk;
    m[qn + k] = s * mpk + c * mqk;
    const vkp = vt[pn + k];
    const vkq = vt[qn + k];
    vt[pn + k] = c * vkp - s * vkq;
    vt[qn + k] = s * vkp + c * vkq;
  }
}

/**
 * m ← Jᵀ m J and vᵀ ← (v J)ᵀ for the Jacobi rotation J(p, q, θ), computing every entry exactly as
 * a column pass followed by a row pass would. Outside rows and columns p and q the two passes touch
 * disjoint entries, so they run in one loop, with the eigenvectors'; the 2 × 2 block sees both passes
 * in order. m may be asymmetric in the last bit inside earlier blocks, so both triangles are kept.
 */
function rotateFused(m: Float64Array, vt: Float64Array, n: number, p: number, q: number, c: number, s: number): void {
  const pn = p * n;
  const qn = q * n;
  rotateOutside(m, vt, n, pn, qn, p, q, c, s, 0, p);
  rotateOutside(m, vt, n, pn, qn, p, q, c, s, p + 1, q);
  rotateOutside(m, vt, n, pn, qn, p, q, c, s, q + 1, n);
  // The 2 × 2 block: column pass, then row pass on its results.
  const pp = m[pn + p];
  const pq = m[pn + q];
  const qp = m[qn + p];
  const qq = m[qn + q];
  const pp1 = c * pp - s * pq;
  const pq1 = s * pp + c * pq;
  const qp1 = c * qp - s * qq;
  const qq1 = s * qp + c * qq;
  m[pn + p] = c * pp1 - s * qp1;
  m[qn + p] = s * pp1 + c * qp1;
  m[pn + q] = c * pq1 - s * qq1;
  m[qn + q] = s * pq1 + c * qq1;
  // Eigenvector entries p and q, which the loops above skip.
  rotatePair(vt, pn + p, qn + p, c, s);
  rotatePair(vt, pn + q, qn + q, c, s);
}

/** (a[i], a[j]) ← (c·a[i] − s·a[j], s·a[i] + c·a[j]). */
function rotatePair(a: Float64Array, i: number, j: number, c: number, s: number): void {
  const ai = a[i];
  const aj = a[j];
  a[i] = c * ai - s * aj;
  a[j] = s * ai + c * aj;
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
