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
