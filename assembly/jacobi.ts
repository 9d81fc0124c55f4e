/**
 * Cyclic Jacobi sweeps of the symmetric eigensolver, the same arithmetic as the TS reference
 * (src/kernels/jacobi.ts) in the same order, so the results are bit-identical: WebAssembly has no fused
 * multiply-add and f64.sqrt is correctly rounded, as Math.sqrt is. The contiguous parts of a rotation
 * (rows p and q of m and of vt) run two lanes at a time; a lane computes what the scalar loop would.
 */

/** m (n × n float64 at pM) and vt (at pVt) updated in place; see Kernels.jacobiSweeps. */
export function jacobiSweeps(pM: usize, pVt: usize, n: i32, maxSweeps: i32): void {
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off: f64 = 0;
    let diag: f64 = 0;
    for (let i = 0; i < n; i++) {
      const d = at(pM, n, i, i);
      diag += d * d;
      for (let j = i + 1; j < n; j++) {
        const v = at(pM, n, i, j);
        off += v * v;
      }
    }
    if (off <= 1e-30 * diag || off == 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(pM, n, p, q);
        if (apq == 0) continue;
        const app = at(pM, n, p, p);
        const aqq = at(pM, n, q, q);
        const theta = (aqq - app) / (2 * apq);
        // Math.sign(theta || 1): +1 for 0, -0 and NaN.
        const sgn: f64 = theta < 0 ? -1 : 1;
        const t = sgn / (abs(theta) + sqrt(theta * theta + 1));
        const c = 1 / sqrt(t * t + 1);
        const s = t * c;
        rotate(pM, pVt, n, p, q, c, s);
      }
    }
  }
}

@inline
function at(pM: usize, n: i32, i: i32, j: i32): f64 {
  return load<f64>(pM + ((<usize>i * <usize>n + <usize>j) << 3));
}

/**
 * One rotation: the columns p, q of m outside rows p, q (strided, scalar), then rows p, q of m and vt
 * outside columns p, q (contiguous, two lanes), then the 2 × 2 block and vt's entries p, q. The three
 * groups touch disjoint entries, so their order does not change any value.
 */
function rotate(pM: usize, pVt: usize, n: i32, p: i32, q: i32, c: f64, s: f64): void {
  const rowP = <usize>p * <usize>n;
  const rowQ = <usize>q * <usize>n;
  rotateColumns(pM, n, p, q, 0, p, c, s);
  rotateColumns(pM, n, p, q, p + 1, q, c, s);
  rotateColumns(pM, n, p, q, q + 1, n, c, s);
  rotateRows(pM + (rowP << 3), pM + (rowQ << 3), 0, p, c, s);
  rotateRows(pM + (rowP << 3), pM + (rowQ << 3), p + 1, q, c, s);
  rotateRows(pM + (rowP << 3), pM + (rowQ << 3), q + 1, n, c, s);
  rotateRows(pVt + (rowP << 3), pVt + (rowQ << 3), 0, n, c, s);
  // The 2 × 2 block: column pass, then row pass on its results (as the reference).
  const aPP = pM + ((rowP + <usize>p) << 3);
  const aPQ = pM + ((rowP + <usize>q) << 3);
  const aQP = pM + ((rowQ + <usize>p) << 3);
  const aQQ = pM + ((rowQ + <usize>q) << 3);
  const pp = load<f64>(aPP);
  const pq = load<f64>(aPQ);
  const qp = load<f64>(aQP);
  const qq = load<f64>(aQQ);
  const pp1 = c * pp - s * pq;
  const pq1 = s * pp + c * pq;
  const qp1 = c * qp - s * qq;
  const qq1 = s * qp + c * qq;
  store<f64>(aPP, c * pp1 - s * qp1);
  store<f64>(aQP, s * pp1 + c * qp1);
  store<f64>(aPQ, c * pq1 - s * qq1);
  store<f64>(aQQ, s * pq1 + c * qq1);
}

/** (x[k], y[k]) ← (c·x[k] − s·y[k], s·x[k] + c·y[k]) for k in [from, to), rows x and y at pX and pY. */
function rotateRows(pX: usize, pY: usize, from: i32, to: i32, c: f64, s: f64): void {
  const vc = f64x2.splat(c);
  const vs = f64x2.splat(s);
  let k = from;
  for (; k + 2 <= to; k += 2) {
    const ax = pX + (<usize>k << 3);
    const ay = pY + (<usize>k << 3);
    const x = v128.load(ax);
    const y = v128.load(ay);
    v128.store(ax, f64x2.sub(f64x2.mul(vc, x), f64x2.mul(vs, y)));
    v128.store(ay, f64x2.add(f64x2.mul(vs, x), f64x2.mul(vc, y)));
  }
  for (; k < to; k++) {
    const ax = pX + (<usize>k << 3);
    const ay = pY + (<usize>k << 3);
    const x = load<f64>(ax);
    const y = load<f64>(ay);
    store<f64>(ax, c * x - s * y);
    store<f64>(ay, s * x + c * y);
  }
}

/** (m[k][p], m[k][q]) ← (c·m[k][p] − s·m[k][q], s·m[k][p] + c·m[k][q]) for rows k in [from, to). */
function rotateColumns(pM: usize, n: i32, p: i32, q: i32, from: i32, to: i32, c: f64, s: f64): void {
  const stride = <usize>n << 3;
  let a = pM + <usize>from * stride;
  const dq = <usize>(q - p) << 3;
  a += <usize>p << 3;
  for (let k = from; k < to; k++, a += stride) {
    const x = load<f64>(a);
    const y = load<f64>(a + dq);
    store<f64>(a, c * x - s * y);
    store<f64>(a + dq, s * x + c * y);
  }
}
