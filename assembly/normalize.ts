/**
 * int16 samples straight to noise units: out = fround(fround(q · gain) · scale), per channel. The same
 * arithmetic as dequantizeInt16 then scaleChannels, in one pass (the trace cache's every normalised read).
 */

import { dequantize4 } from './quantize';

/** q: numSamples × numChannels i16; gain: numChannels f64; scale: numChannels f32; out: f32. */
export function normalizeInt16(pQ: usize, numSamples: i32, numChannels: i32, pGain: usize, pScale: usize, pOut: usize): void {
  const nc = numChannels;
  for (let t = 0; t < numSamples; t++) {
    const pq = pQ + <usize>t * <usize>nc * 2;
    const po = pOut + <usize>t * <usize>nc * 4;
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      const uv = dequantize4(pq + <usize>c * 2, pGain + <usize>c * 8);
      v128.store(po + <usize>c * 4, f32x4.mul(uv, v128.load(pScale + <usize>c * 4)));
    }
    for (; c < nc; c++) {
      const uv = <f32>(<f64>load<i16>(pq + <usize>c * 2) * load<f64>(pGain + <usize>c * 8));
      store<f32>(po + <usize>c * 4, uv * load<f32>(pScale + <usize>c * 4));
    }
  }
}

/**
 * The next block of a sliding window of normalised rows (the matched filter's input, normalised as it is
 * consumed instead of in full): rows [fromRow, fromRow + keepRows) of the window at pRing move to its front,
 * then newRows int16 rows from pQ are normalised (as normalizeInt16) after them. The window stays a few
 * hundred KB, in cache, while the crossing kernel reads it.
 */
export function slideNormalizedRows(pRing: usize, numChannels: i32, fromRow: i32, keepRows: i32, pQ: usize, newRows: i32, pGain: usize, pScale: usize): void {
  const rowBytes = <usize>numChannels << 2;
  if (keepRows > 0 && fromRow > 0) memory.copy(pRing, pRing + <usize>fromRow * rowBytes, <usize>keepRows * rowBytes);
  normalizeInt16(pQ, newRows, numChannels, pGain, pScale, pRing + <usize>keepRows * rowBytes);
}
