/**
 * Sparse channel mixing (motion correction's kriging interpolation): out[t, j] = Σ_q w[q] · x[t, src[q]],
 * q in [offsets[j], offsets[j + 1]). Products and sums in f64, in q order, rounded once to f32: the bits of
 * the TS reference (src/kernels/sparsemix.ts). Two f64x2 accumulators carry four rows at once, so each
 * term's source and weight are loaded once per four rows; every lane still sums its own row in q order.
 */

/** x: rows × nc f32; offsets: nOut + 1 i32; src: i32; w: f32; out: rows × nOut f32. */
export function sparseMix(pX: usize, rows: i32, nc: i32, pOffsets: usize, nOut: i32, pSrc: usize, pW: usize, pOut: usize): void {
  const rowBytes = <usize>nc * 4;
  let t = 0;
  for (; t + 4 <= rows; t += 4) {
    const p0 = pX + <usize>t * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
    const po = pOut + <usize>t * <usize>nOut * 4;
    for (let j = 0; j < nOut; j++) {
      const q0 = load<i32>(pOffsets + <usize>j * 4);
      const q1 = load<i32>(pOffsets + <usize>j * 4 + 4);
      let a = f64x2.splat(0);
      let b = f64x2.splat(0);
      for (let q = q0; q < q1; q++) {
        const off = <usize>load<i32>(pSrc + <usize>q * 4) * 4;
        const w = f64x2.splat(<f64>load<f32>(pW + <usize>q * 4));
        let va = f64x2.splat(<f64>load<f32>(p0 + off));
        va = f64x2.replace_lane(va, 1, <f64>load<f32>(p1 + off));
        let vb = f64x2.splat(<f64>load<f32>(p2 + off));
        vb = f64x2.replace_lane(vb, 1, <f64>load<f32>(p3 + off));
        a = f64x2.add(a, f64x2.mul(w, va));
        b = f64x2.add(b, f64x2.mul(w, vb));
      }
      const stride = <usize>nOut * 4;
      const pj = po + <usize>j * 4;
      store<f32>(pj, <f32>f64x2.extract_lane(a, 0));
      store<f32>(pj + stride, <f32>f64x2.extract_lane(a, 1));
      store<f32>(pj + 2 * stride, <f32>f64x2.extract_lane(b, 0));
      store<f32>(pj + 3 * stride, <f32>f64x2.extract_lane(b, 1));
    }
  }
  for (; t < rows; t++) {
    const px = pX + <usize>t * rowBytes;
    const po = pOut + <usize>t * <usize>nOut * 4;
    for (let j = 0; j < nOut; j++) {
      const q0 = load<i32>(pOffsets + <usize>j * 4);
      const q1 = load<i32>(pOffsets + <usize>j * 4 + 4);
      let s: f64 = 0;
      for (let q = q0; q < q1; q++) s += <f64>load<f32>(pW + <usize>q * 4) * <f64>load<f32>(px + <usize>load<i32>(pSrc + <usize>q * 4) * 4);
      store<f32>(po + <usize>j * 4, <f32>s);
    }
  }
}
