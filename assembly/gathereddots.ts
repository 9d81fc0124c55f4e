/**
 * Several templates scored against one block that holds the union of their channels (template matching:
 * the residual around a peak is gathered once for all candidate units). Each item's channels are gathered
 * into contiguous scratch here, inside the module, and scored as shiftedDots scores (two shifts per pass
 * over the template), so every score equals gather-then-shiftedDots bit for bit.
 */
import { shiftedDots } from './shifteddots';

/**
 * Items are 4 × i32 each: [first row in x, first index in cols, channel count n, first index in w].
 * out[j·shifts + s] = Σ_{p<rows, q<n} x[(row + s + p)·ld + cols[c0 + q]] · w[w0 + p·n + q].
 */
export function gatheredShiftedDots(pX: usize, ld: i32, rows: i32, shifts: i32, count: i32, pItems: usize, pCols: usize, pW: usize, pScratch: usize, pOut: usize): void {
  const span = rows + shifts - 1;
  for (let j = 0; j < count; j++) {
    const item = pItems + (<usize>j << 4);
    const r0 = load<i32>(item);
    const pc = pCols + (<usize>load<i32>(item, 4) << 2);
    const n = load<i32>(item, 8);
    const pw = pW + (<usize>load<i32>(item, 12) << 2);
    for (let p = 0; p < span; p++) {
      const src = pX + (<usize>((r0 + p) * ld) << 2);
      const dst = pScratch + (<usize>(p * n) << 2);
      let q = 0;
      // Four at a time: the column indices load as one vector.
      for (; q + 4 <= n; q += 4) {
        const k = v128.load(pc + (<usize>q << 2));
        const v = f32x4.replace_lane(
          f32x4.replace_lane(
            f32x4.replace_lane(f32x4.splat(load<f32>(src + (<usize>i32x4.extract_lane(k, 0) << 2))), 1, load<f32>(src + (<usize>i32x4.extract_lane(k, 1) << 2))),
            2, load<f32>(src + (<usize>i32x4.extract_lane(k, 2) << 2)),
          ),
          3, load<f32>(src + (<usize>i32x4.extract_lane(k, 3) << 2)),
        );
        v128.store(dst + (<usize>q << 2), v);
      }
      for (; q < n; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>load<i32>(pc + (<usize>q << 2)) << 2)));
    }
    pairedShiftedDots(pScratch, pw, rows * n, n, shifts, pOut + (<usize>(j * shifts) << 3));
  }
}

/**
 * shiftedDots two shifts at a time: each template value is loaded and widened once for both windows.
 * Every shift keeps shiftedDots' own accumulators and order of additions, so the sums are bit for bit equal.
 */
function pairedShiftedDots(pX: usize, pW: usize, n: i32, stride: i32, shifts: i32, pOut: usize): void {
  let s = 0;
  for (; s + 2 <= shifts; s += 2) {
    const px = pX + <usize>(s * stride) * 4;
    const py = px + <usize>stride * 4;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i * 4;
      const wp = pW + o;
      const w0 = f64x2.promote_low_f32x4(v128.load64_zero(wp));
      const w1 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 8));
      const w2 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 16));
      const w3 = f64x2.promote_low_f32x4(v128.load64_zero(wp, 24));
      const xp = px + o;
      const yp = py + o;
      a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp)), w0));
      a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 8)), w1));
      a2 = f64x2.add(a2, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 16)), w2));
      a3 = f64x2.add(a3, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 24)), w3));
      b0 = f64x2.add(b0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(yp)), w0));
      b1 = f64x2.add(b1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(yp, 8)), w1));
      b2 = f64x2.add(b2, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(yp, 16)), w2));
      b3 = f64x2.add(b3, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(yp, 24)), w3));
    }
    const va = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
    const vb = f64x2.add(f64x2.add(b0, b1), f64x2.add(b2, b3));
    let sa: f64 = f64x2.extract_lane(va, 0) + f64x2.extract_lane(va, 1);
    let sb: f64 = f64x2.extract_lane(vb, 0) + f64x2.extract_lane(vb, 1);
    for (; i < n; i++) {
      const w = <f64>load<f32>(pW + <usize>i * 4);
      sa += <f64>load<f32>(px + <usize>i * 4) * w;
      sb += <f64>load<f32>(py + <usize>i * 4) * w;
    }
    store<f64>(pOut + <usize>s * 8, sa);
    store<f64>(pOut + <usize>(s + 1) * 8, sb);
  }
  if (s < shifts) shiftedDots(pX + <usize>(s * stride) * 4, pW, n, stride, 1, pOut + <usize>s * 8);
}
