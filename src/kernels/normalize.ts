/**
 * int16 samples to noise units in one pass: out = fround(fround(q · gain[c]) · scale[c]), which is
 * dequantizeInt16 followed by scaleChannels (the float64 product rounded to float32, then the exact
 * float32 product rounded once). The WASM kernel computes the same, so both backends give identical values.
 */
import { checkQuantize } from './quantize.js';

export function checkNormalizeInt16(q: Int16Array, numChannels: number, gain: Float64Array, scale: Float32Array, out: Float32Array): void {
  checkQuantize(q, numChannels, gain, out, 'normalizeInt16');
  if (scale.length < numChannels) throw new Error(`normalizeInt16: ${scale.length} scale factors for ${numChannels} channels`);
}

export function normalizeInt16TS(q: Int16Array, numChannels: number, gain: Float64Array, scale: Float32Array, out: Float32Array): void {
  checkNormalizeInt16(q, numChannels, gain, scale, out);
  const nc = numChannels;
  for (let i = 0; i < q.length; i += nc) {
    for (let c = 0; c < nc; c++) out[i + c] = Math.fround(q[i + c] * gain[c]) * scale[c];
  }
}
