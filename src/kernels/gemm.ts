/**
 * Single-precision GEMM in plain TypeScript: C = alpha · op(A) · op(B) + beta · C (row-major).
 * Blocked and packed (Goto-style): a KC-deep slab of op(B) is packed into NR-wide column panels, an
 * MC × KC block of op(A) into MR-tall row panels, and a 4 × 4 register tile is accumulated in float64
 * locals, so the inner loop reads two contiguous streams and does 16 multiply-adds per 8 loads.
 */
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;

export function gemmTS(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
): void {
  checkGemmShapes(transA, transB, m, n, k, A, lda, B, ldb, C, ldc);
  if (m === 0 || n === 0) return;
  scaleC(m, n, beta, C, ldc);
  if (k === 0 || alpha === 0) return;
  const nPanels = Math.ceil(n / NR);
  const bPack = new Float32Array(nPanels * NR * Math.min(KC, k));
  const aPack = new Float32Array(Math.ceil(Math.min(MC, m) / MR) * MR * Math.min(KC, k));
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    packB(transB, B, ldb, pc, kc, n, bPack);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = Math.min(MC, m - ic);
      packA(transA, A, lda, ic, mc, pc, kc, aPack);
      const mPanels = Math.ceil(mc / MR);
      for (let jp = 0; jp < nPanels; jp++) {
        for (let ip = 0; ip < mPanels; ip++) {
          microKernel(aPack, ip * kc * MR, bPack, jp * kc * NR, kc, alpha, C, ldc, ic + ip * MR, jp * NR, Math.min(MR, m - ic - ip * MR), Math.min(NR, n - jp * NR));
        }
      }
    }
  }
}

/** Throws naming the argument when sizes, strides or array lengths do not fit a gemm call (shared by every backend). */
export function checkGemmShapes(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number,
): void {
  for (const [name, v] of [['m', m], ['n', n], ['k', k], ['lda', lda], ['ldb', ldb], ['ldc', ldc]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${name} = ${v} must be a non-negative integer`);
  }
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const need = (rows: number, cols: number, ld: number) => (rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols);
  if (lda < aCols || A.length < need(aRows, aCols, lda)) throw new Error(`gemm: A (${aRows} × ${aCols}, lda ${lda}) does not fit in ${A.length} values`);
  if (ldb < bCols || B.length < need(bRows, bCols, ldb)) throw new Error(`gemm: B (${bRows} × ${bCols}, ldb ${ldb}) does not fit in ${B.length} values`);
  if (ldc < n || C.length < need(m, n, ldc)) throw new Error(`gemm: C (${m} × ${n}, ldc ${ldc}) does not fit in ${C.length} values`);
}

function scaleC(m: number, n: number, beta: number, C: Float32Array, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const r = i * ldc;
    if (beta === 0) C.fill(0, r, r + n);
    else for (let j = 0; j < n; j++) C[r + j] *= beta;
  }
}

/** op(B)[pc .. pc+kc, 0 .. n) into panels: panel jp, depth p, column jj at (jp*kc + p)*NR + jj (zero padded). */
function packB(trans: boolean, B: Float32Array, ldb: number, pc: number, kc: number, n: number, out: Float32Array): void {
  const nPanels = Math.ceil(n / NR);
  for (let jp = 0; jp < nPanels; jp++) {
    const j0 = jp * NR;
    const w = Math.min(NR, n - j0);
    const base = jp * kc * NR;
    for (let p = 0; p < kc; p++) {
      const o = base + p * NR;
      for (let jj = 0; jj < NR; jj++) {
        if (jj >= w) { out[o + jj] = 0; continue; }
        out[o + jj] = trans ? B[(j0 + jj) * ldb + pc + p] : B[(pc + p) * ldb + j0 + jj];
      }
    }
  }
}

/** op(A)[ic .. ic+mc, pc .. pc+kc) into panels: panel ip, depth p, row ii at (ip*kc + p)*MR + ii (zero padded). */
function packA(trans: boolean, A: Float32Array, lda: number, ic: number, mc: number, pc: number, kc: number, out: Float32Array): void {
  const mPanels = Math.ceil(mc / MR);
  for (let ip = 0; ip < mPanels; ip++) {
    const i0 = ic + ip * MR;
    const h = Math.min(MR, mc - ip * MR);
    const base = ip * kc * MR;
    for (let p = 0; p < kc; p++) {
      const o = base + p * MR;
      for (let ii = 0; ii < MR; ii++) {
        if (ii >= h) { out[o + ii] = 0; continue; }
        out[o + ii] = trans ? A[(pc + p) * lda + i0 + ii] : A[(i0 + ii) * lda + pc + p];
      }
    }
  }
}

function microKernel(
  a: Float32Array, ao: number, b: Float32Array, bo: number, kc: number, alpha: number,
  C: Float32Array, ldc: number, i0: number, j0: number, h: number, w: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0, ai = ao, bi = bo; p < kc; p++, ai += 4, bi += 4) {
    const a0 = a[ai], a1 = a[ai + 1], a2 = a[ai + 2], a3 = a[ai + 3];
    const b0 = b[bi], b1 = b[bi + 1], b2 = b[bi + 2], b3 = b[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  // Rows beyond h / columns beyond w are zero padding: only the valid part is written back.
  if (h > 0) writeRow(C, (i0) * ldc + j0, w, alpha, c00, c01, c02, c03);
  if (h > 1) writeRow(C, (i0 + 1) * ldc + j0, w, alpha, c10, c11, c12, c13);
  if (h > 2) writeRow(C, (i0 + 2) * ldc + j0, w, alpha, c20, c21, c22, c23);
  if (h > 3) writeRow(C, (i0 + 3) * ldc + j0, w, alpha, c30, c31, c32, c33);
}

function writeRow(C: Float32Array, r: number, w: number, alpha: number, v0: number, v1: number, v2: number, v3: number): void {
  C[r] += alpha * v0;
  if (w > 1) C[r + 1] += alpha * v1;
  if (w > 2) C[r + 2] += alpha * v2;
  if (w > 3) C[r + 3] += alpha * v3;
}
