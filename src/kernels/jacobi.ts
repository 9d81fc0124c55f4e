/**
 * The cyclic Jacobi sweeps of the symmetric eigensolver (kernels/linalg.ts jacobiEigen): the TS reference
 * of the Kernels.jacobiSweeps kernel. Clustering runs one 48 × 48 decomposition per proposed split, so
 * each rotation updates rows, columns and eigenvectors in one pass (see rotateFused).
 */

/** Checks the shapes jacobiSweeps needs; shared with the WASM backend. */
export function checkJacobiSweeps(m: Float64Array, vt: Float64Array, n: number, maxSweeps: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`jacobiSweeps: n = ${n} must be a non-negative integer`);
  if (m.length < n * n || vt.length < n * n) throw new Error(`jacobiSweeps: m (${m.length}) and vt (${vt.length}) must hold ${n} × ${n} values`);
  if (!Number.isInteger(maxSweeps) || maxSweeps < 0) throw new Error(`jacobiSweeps: maxSweeps = ${maxSweeps} must be a non-negative integer`);
}

/**
 * Up to maxSweeps cyclic sweeps of Jacobi rotations over m (n × n, row-major, symmetric), each also
 * applied to the rows of vt, stopping once the off-diagonal sum of squares is ≤ 1e-30 × the diagonal's.
 */
export function jacobiSweepsTS(m: Float64Array, vt: Float64Array, n: number, maxSweeps: number): void {
  checkJacobiSweeps(m, vt, n, maxSweeps);
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
