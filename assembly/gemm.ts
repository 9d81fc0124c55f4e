/**
 * Single-precision GEMM, C = alpha · op(A) · op(B) + beta · C (row-major), Goto-style: a KC-deep slab of
 * op(B) is packed into NR-wide panels, an MC × KC block of op(A) into MR-tall panels, and a 4 × 8 tile of C
 * lives in eight f32x4 registers while the packed panels stream through (8 multiply-adds per 6 loads).
 * Accumulation is float32 within a KC slab, so the error is about sqrt(KC) · 6e-8 of Σ|a·b|.
 */
const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
/** Bytes kept at the start of the scratch area for an edge tile (MR × NR floats). */
const TILE_BYTES: i32 = MR * NR * 4;

/** Scratch bytes gemm needs for these sizes: edge tile, packed op(B) slab, packed op(A) block. */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min(KC, k);
  const packB = ((n + NR - 1) / NR) * NR * kc * 4;
  const packA = ((min(MC, m) + MR - 1) / MR) * MR * kc * 4;
  return TILE_BYTES + packB + packA;
}

export function gemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  pA: usize, lda: i32, pB: usize, ldb: i32, beta: f32, pC: usize, ldc: i32, pScratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  scaleC(m, n, beta, pC, ldc);
  if (k <= 0 || alpha == 0) return;
  const pTile = pScratch;
  const pPackB = pScratch + <usize>TILE_BYTES;
  const nPanels = (n + NR - 1) / NR;
  const pPackA = pPackB + <usize>(nPanels * NR * min(KC, k) * 4);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(transB, pB, ldb, pc, kc, n, pPackB);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(transA, pA, lda, ic, mc, pc, kc, pPackA);
      const mPanels = (mc + MR - 1) / MR;
      for (let jp = 0; jp < nPanels; jp++) {
        const j0 = jp * NR;
        const w = min(NR, n - j0);
        const pb = pPackB + <usize>(jp * kc * NR * 4);
        for (let ip = 0; ip < mPanels; ip++) {
          const i0 = ic + ip * MR;
          const h = min(MR, m - i0);
          const pa = pPackA + <usize>(ip * kc * MR * 4);
          const pCt = pC + (<usize>i0 * <usize>ldc + <usize>j0) * 4;
          microKernel(pa, pb, kc, alpha, pCt, ldc, h, w, pTile);
        }
      }
    }
  }
}

function scaleC(m: i32, n: i32, beta: f32, pC: usize, ldc: i32): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = pC + <usize>i * <usize>ldc * 4;
    if (beta == 0) {
      memory.fill(row, 0, <usize>n * 4);
      continue;
    }
    const bv = f32x4.splat(beta);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const p = row + <usize>j * 4;
      v128.store(p, f32x4.mul(v128.load(p), bv));
    }
    for (; j < n; j++) {
      const p = row + <usize>j * 4;
      store<f32>(p, load<f32>(p) * beta);
    }
  }
}

/** op(B)[pc .. pc+kc, 0 .. n) into panels: panel jp, depth p, column jj at (jp*kc + p)*NR + jj (zero padded). */
function packB(trans: bool, pB: usize, ldb: i32, pc: i32, kc: i32, n: i32, out: usize): void {
  const nPanels = (n + NR - 1) / NR;
  for (let jp = 0; jp < nPanels; jp++) {
    const j0 = jp * NR;
    const w = min(NR, n - j0);
    let o = out + <usize>(jp * kc * NR * 4);
    if (!trans && w == NR) {
      let src = pB + (<usize>pc * <usize>ldb + <usize>j0) * 4;
      const stride = <usize>ldb * 4;
      for (let p = 0; p < kc; p++, src += stride, o += NR * 4) {
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      }
      continue;
    }
    for (let p = 0; p < kc; p++, o += NR * 4) {
      for (let jj = 0; jj < NR; jj++) {
        let v: f32 = 0;
        if (jj < w) {
          v = trans
            ? load<f32>(pB + (<usize>(j0 + jj) * <usize>ldb + <usize>(pc + p)) * 4)
            : load<f32>(pB + (<usize>(pc + p) * <usize>ldb + <usize>(j0 + jj)) * 4);
        }
        store<f32>(o + <usize>jj * 4, v);
      }
    }
  }
}

/** op(A)[ic .. ic+mc, pc .. pc+kc) into panels: panel ip, depth p, row ii at (ip*kc + p)*MR + ii (zero padded). */
function packA(trans: bool, pA: usize, lda: i32, ic: i32, mc: i32, pc: i32, kc: i32, out: usize): void {
  const mPanels = (mc + MR - 1) / MR;
  const ldaBytes = <usize>lda * 4;
  for (let ip = 0; ip < mPanels; ip++) {
    const i0 = ic + ip * MR;
    const h = min(MR, mc - ip * MR);
    let o = out + <usize>(ip * kc * MR * 4);
    if (trans && h == MR) {
      let src = pA + (<usize>pc * <usize>lda + <usize>i0) * 4;
      for (let p = 0; p < kc; p++, src += ldaBytes, o += MR * 4) v128.store(o, v128.load(src));
      continue;
    }
    if (!trans && h == MR) {
      // Four rows read side by side, four depths at a time, transposed in registers.
      const r0 = pA + (<usize>i0 * <usize>lda + <usize>pc) * 4;
      const r1 = r0 + ldaBytes, r2 = r1 + ldaBytes, r3 = r2 + ldaBytes;
      let p = 0;
      for (; p + 4 <= kc; p += 4, o += MR * 16) {
        const off = <usize>p * 4;
        const a = v128.load(r0 + off), b = v128.load(r1 + off), c = v128.load(r2 + off), d = v128.load(r3 + off);
        const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
        const cd0 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
        const ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
        const cd1 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
        v128.store(o, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
        v128.store(o, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7), 16);
        v128.store(o, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5), 32);
        v128.store(o, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7), 48);
      }
      for (; p < kc; p++, o += MR * 4) {
        const off = <usize>p * 4;
        store<f32>(o, load<f32>(r0 + off));
        store<f32>(o, load<f32>(r1 + off), 4);
        store<f32>(o, load<f32>(r2 + off), 8);
        store<f32>(o, load<f32>(r3 + off), 12);
      }
      continue;
    }
    for (let p = 0; p < kc; p++, o += MR * 4) {
      for (let ii = 0; ii < MR; ii++) {
        let v: f32 = 0;
        if (ii < h) {
          v = trans
            ? load<f32>(pA + (<usize>(pc + p) * <usize>lda + <usize>(i0 + ii)) * 4)
            : load<f32>(pA + (<usize>(i0 + ii) * <usize>lda + <usize>(pc + p)) * 4);
        }
        store<f32>(o + <usize>ii * 4, v);
      }
    }
  }
}

/** C[0..h, 0..w) += alpha · (packed A panel)(packed B panel); a partial tile goes through pTile. */
function microKernel(pa: usize, pb: usize, kc: i32, alpha: f32, pC: usize, ldc: i32, h: i32, w: i32, pTile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++, pa += MR * 4, pb += NR * 4) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
  }
  const av = f32x4.splat(alpha);
  const ldcBytes = <usize>ldc * 4;
  if (h == MR && w == NR) {
    let r = pC;
    v128.store(r, f32x4.add(v128.load(r), f32x4.mul(av, c00)));
    v128.store(r, f32x4.add(v128.load(r, 16), f32x4.mul(av, c01)), 16);
    r += ldcBytes;
    v128.store(r, f32x4.add(v128.load(r), f32x4.mul(av, c10)));
    v128.store(r, f32x4.add(v128.load(r, 16), f32x4.mul(av, c11)), 16);
    r += ldcBytes;
    v128.store(r, f32x4.add(v128.load(r), f32x4.mul(av, c20)));
    v128.store(r, f32x4.add(v128.load(r, 16), f32x4.mul(av, c21)), 16);
    r += ldcBytes;
    v128.store(r, f32x4.add(v128.load(r), f32x4.mul(av, c30)));
    v128.store(r, f32x4.add(v128.load(r, 16), f32x4.mul(av, c31)), 16);
    return;
  }
  v128.store(pTile, f32x4.mul(av, c00)); v128.store(pTile, f32x4.mul(av, c01), 16);
  v128.store(pTile, f32x4.mul(av, c10), 32); v128.store(pTile, f32x4.mul(av, c11), 48);
  v128.store(pTile, f32x4.mul(av, c20), 64); v128.store(pTile, f32x4.mul(av, c21), 80);
  v128.store(pTile, f32x4.mul(av, c30), 96); v128.store(pTile, f32x4.mul(av, c31), 112);
  for (let ii = 0; ii < h; ii++) {
    const r = pC + <usize>ii * ldcBytes;
    for (let jj = 0; jj < w; jj++) {
      const p = r + <usize>jj * 4;
      store<f32>(p, load<f32>(p) + load<f32>(pTile + <usize>(ii * NR + jj) * 4));
    }
  }
}
