/**
 * Several templates scored against one block that holds the union of their channels (template matching:
 * the residual around a peak is gathered once for all candidate units). Each item's channels are gathered
 * into contiguous scratch here, inside the module, widened to float64 there (every shift reads each value,
 * so widening once beats widening per shift), and scored with shiftedDots' accumulators and order of
 * additions (two shifts per pass over the template), so every score equals gather-then-shiftedDots bit for bit.
 */

/**
 * Items are 4 × i32 each: [first row in x, first index in cols, channel count n, first index in w].
 * out[j·shifts + s] = Σ_{p<rows, q<n} x[(row + s + p)·ld + cols[c0 + q]] · w[w0 + p·n + q].
 * pScratch holds (rows + shifts − 1) × (widest n) f64.
 */
export function gatheredShiftedDots(pX: usize, ld: i32, rows: i32, shifts: i32, count: i32, pItems: usize, pCols: usize, pW: usize, pScratch: usize, pOut: usize): void {
  const span = rows + shifts - 1;
  for (let j = 0; j < count; j++) {
    const item = pItems + (<usize>j << 4);
    const r0 = load<i32>(item);
    const pc = pCols + (<usize>load<i32>(item, 4) << 2);
    const n = load<i32>(item, 8);
    const pw = pW + (<usize>load<i32>(item, 12) << 2);
    // Items that read the same rows and columns as the one before (the sub-sample copies of one template)
    // find their block already in scratch.
    if (!(j > 0 && sameBlock(item, pCols))) {
      for (let p = 0; p < span; p++) {
        const src = pX + (<usize>((r0 + p) * ld) << 2);
        const dst = pScratch + (<usize>(p * n) << 3);
        for (let q = 0; q < n; q++) store<f64>(dst + (<usize>q << 3), <f64>load<f32>(src + (<usize>load<i32>(pc + (<usize>q << 2)) << 2)));
      }
    }
    pairedShiftedDots(pScratch, pw, rows * n, n, shifts, pOut + (<usize>(j * shifts) << 3));
  }
}

/** Whether item (16 bytes) reads the same first row, channel count and column list as the item before it. */
function sameBlock(item: usize, pCols: usize): bool {
  const prev = item - 16;
  const n = load<i32>(item, 8);
  if (load<i32>(item) != load<i32>(prev) || n != load<i32>(prev, 8)) return false;
  const a = pCols + (<usize>load<i32>(item, 4) << 2);
  const b = pCols + (<usize>load<i32>(prev, 4) << 2);
  if (a == b) return true;
  for (let q = 0; q < n; q++) if (load<i32>(a + (<usize>q << 2)) != load<i32>(b + (<usize>q << 2))) return false;
  return true;
}

/**
 * shiftedDots on a float64 block x (the widened gather), two shifts at a time: each template value is loaded
 * and widened once for both windows. Every shift keeps shiftedDots' own accumulators and order of additions,
 * and widening float32 to float64 is exact, so the sums are bit for bit equal.
 */
function pairedShiftedDots(pX: usize, pW: usize, n: i32, stride: i32, shifts: i32, pOut: usize): void {
  let s = 0;
  for (; s + 2 <= shifts; s += 2) {
    const px = pX + <usize>(s * stride) * 8;
    const py = px + <usize>stride * 8;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const wp = pW + <usize>i * 4;
      const w0 = f64x2.promote_low_f32x4(v128.load64_zero(wp));
      const w1 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 8));
      const w2 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 16));
      const w3 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 24));
      const xp = px + <usize>i * 8;
      const yp = py + <usize>i * 8;
      a0 = f64x2.add(a0, f64x2.mul(v128.load(xp), w0));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(xp, 16), w1));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(xp, 32), w2));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(xp, 48), w3));
      b0 = f64x2.add(b0, f64x2.mul(v128.load(yp), w0));
      b1 = f64x2.add(b1, f64x2.mul(v128.load(yp, 16), w1));
      b2 = f64x2.add(b2, f64x2.mul(v128.load(yp, 32), w2));
      b3 = f64x2.add(b3, f64x2.mul(v128.load(yp, 48), w3));
    }
    const va = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
    const vb = f64x2.add(f64x2.add(b0, b1), f64x2.add(b2, b3));
    let sa: f64 = f64x2.extract_lane(va, 0) + f64x2.extract_lane(va, 1);
    let sb: f64 = f64x2.extract_lane(vb, 0) + f64x2.extract_lane(vb, 1);
    for (; i < n; i++) {
      const w = <f64>load<f32>(pW + <usize>i * 4);
      sa += load<f64>(px + <usize>i * 8) * w;
      sb += load<f64>(py + <usize>i * 8) * w;
    }
    store<f64>(pOut + <usize>s * 8, sa);
    store<f64>(pOut + <usize>(s + 1) * 8, sb);
  }
  if (s < shifts) {
    const px = pX + <usize>(s * stride) * 8;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const wp = pW + <usize>i * 4;
      const xp = px + <usize>i * 8;
      a0 = f64x2.add(a0, f64x2.mul(v128.load(xp), f64x2.promote_low_f32x4(v128.load64_zero(wp))));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(xp, 16), f64x2.promote_low_f32x4(v128.load64_zero(wp, 8))));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(xp, 32), f64x2.promote_low_f32x4(v128.load64_zero(wp, 16))));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(xp, 48), f64x2.promote_low_f32x4(v128.load64_zero(wp, 24))));
    }
    const v = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
    let sum: f64 = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
    for (; i < n; i++) sum += load<f64>(px + <usize>i * 8) * <f64>load<f32>(pW + <usize>i * 4);
    store<f64>(pOut + <usize>s * 8, sum);
  }
}
