/**
 * 'valid' cross-correlation of every channel of a time-major block with a few short filters:
 * out[(f*numOut + t)*nc + c] = Σ_j x[(t + j)*nc + c] · w[f*taps + j], numOut = numSamples − taps + 1.
 * Channels are the SIMD axis: 32 channels (eight f32x4 accumulators) per pass, so every tap costs one
 * broadcast and eight loads for 64 flops. Accumulation is float32 (error ≤ taps · 6e-8 of Σ|w·x|).
 * Zero taps are skipped, as in the reference, so 0 · Inf does not make NaN.
 */
export function correlateChannels(pX: usize, numSamples: i32, nc: i32, pW: usize, numFilters: i32, taps: i32, pOut: usize): void {
  const numOut = numSamples - taps + 1;
  if (numOut <= 0) return;
  const rowBytes = <usize>nc * 4;
  for (let f = 0; f < numFilters; f++) {
    const pWf = pW + <usize>(f * taps) * 4;
    const pOutF = pOut + <usize>f * <usize>numOut * rowBytes;
    let c = 0;
    for (; c + 32 <= nc; c += 32) block32(pX + <usize>c * 4, rowBytes, pWf, taps, pOutF + <usize>c * 4, numOut);
    for (; c + 4 <= nc; c += 4) block4(pX + <usize>c * 4, rowBytes, pWf, taps, pOutF + <usize>c * 4, numOut);
    for (; c < nc; c++) block1(pX + <usize>c * 4, rowBytes, pWf, taps, pOutF + <usize>c * 4, numOut);
  }
}

function block32(px: usize, rowBytes: usize, pW: usize, taps: i32, po: usize, numOut: i32): void {
  for (let t = 0; t < numOut; t++, px += rowBytes, po += rowBytes) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    let p = px;
    for (let j = 0; j < taps; j++, p += rowBytes) {
      const w = load<f32>(pW + <usize>j * 4);
      if (w == 0) continue;
      const wv = f32x4.splat(w);
      a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(p)));
      a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(p, 16)));
      a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(p, 32)));
      a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(p, 48)));
      a4 = f32x4.add(a4, f32x4.mul(wv, v128.load(p, 64)));
      a5 = f32x4.add(a5, f32x4.mul(wv, v128.load(p, 80)));
      a6 = f32x4.add(a6, f32x4.mul(wv, v128.load(p, 96)));
      a7 = f32x4.add(a7, f32x4.mul(wv, v128.load(p, 112)));
    }
    v128.store(po, a0); v128.store(po, a1, 16); v128.store(po, a2, 32); v128.store(po, a3, 48);
    v128.store(po, a4, 64); v128.store(po, a5, 80); v128.store(po, a6, 96); v128.store(po, a7, 112);
  }
}

function block4(px: usize, rowBytes: usize, pW: usize, taps: i32, po: usize, numOut: i32): void {
  for (let t = 0; t < numOut; t++, px += rowBytes, po += rowBytes) {
    let a0 = f32x4.splat(0);
    let p = px;
    for (let j = 0; j < taps; j++, p += rowBytes) {
      const w = load<f32>(pW + <usize>j * 4);
      if (w == 0) continue;
      a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(w), v128.load(p)));
    }
    v128.store(po, a0);
  }
}

function block1(px: usize, rowBytes: usize, pW: usize, taps: i32, po: usize, numOut: i32): void {
  for (let t = 0; t < numOut; t++, px += rowBytes, po += rowBytes) {
    let a: f32 = 0;
    let p = px;
    for (let j = 0; j < taps; j++, p += rowBytes) {
      const w = load<f32>(pW + <usize>j * 4);
      if (w == 0) continue;
      a += w * load<f32>(p);
    }
    store<f32>(po, a);
  }
}
