/**
 * Per-channel scaling of time-major blocks between float32 µV and int16 steps (the trace cache's
 * encoding), and per-channel scaling of float32 blocks (noise normalisation). One pass each, channels in
 * the inner loop; the WASM kernels compute the same float64 (or exact float32) arithmetic, so both
 * backends give identical values.
 */

const INT16_LIMIT = 32767;

function checkBlock(kernel: string, length: number, numChannels: number, perChannel: number, outLength: number): void {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`${kernel}: numChannels = ${numChannels} must be a positive integer`);
  if (length % numChannels !== 0) throw new Error(`${kernel}: ${length} samples is not a multiple of ${numChannels} channels`);
  if (perChannel < numChannels) throw new Error(`${kernel}: ${perChannel} per-channel factors for ${numChannels} channels`);
  if (outLength < length) throw new Error(`${kernel}: out holds ${outLength} values, fewer than the ${length} in`);
}

export function checkQuantize(x: ArrayLike<number>, numChannels: number, factors: ArrayLike<number>, out: ArrayLike<number>, kernel: string): void {
  checkBlock(kernel, x.length, numChannels, factors.length, out.length);
}

/**
 * out = floor(x · invGain[c] + 0.5) in float64 (round half up), clipped to ±32767; NaN gives 0.
 * Returns how many values were clipped.
 */
export function quantizeInt16TS(x: Float32Array, numChannels: number, invGain: Float64Array, out: Int16Array): number {
  checkQuantize(x, numChannels, invGain, out, 'quantizeInt16');
  return quantizeRows(x, numChannels, null, invGain, out);
}

/** The rounding rule of quantizeInt16TS, on x[t, c] − rowRef[t] (the float32 difference) when rowRef is given. */
function quantizeRows(x: Float32Array, nc: number, rowRef: Float32Array | null, invGain: Float64Array, out: Int16Array): number {
  let clipped = 0;
  for (let i = 0, t = 0; i < x.length; i += nc, t++) {
    const r = rowRef ? rowRef[t] : 0;
    for (let c = 0; c < nc; c++) {
      const v = rowRef ? Math.fround(x[i + c] - r) : x[i + c];
      let q = Math.floor(v * invGain[c] + 0.5);
      if (q > INT16_LIMIT) {
        q = INT16_LIMIT;
        clipped++;
      } else if (q < -INT16_LIMIT) {
        q = -INT16_LIMIT;
        clipped++;
      } else if (q !== q) {
        q = 0;
      }
      out[i + c] = q;
    }
  }
  return clipped;
}

/** out = q · gain[c] (float64 product, rounded to float32): what a scaled read of int16 data with these gains gives. */
export function dequantizeInt16TS(q: Int16Array, numChannels: number, gain: Float64Array, out: Float32Array): void {
  checkQuantize(q, numChannels, gain, out, 'dequantizeInt16');
  const nc = numChannels;
  for (let i = 0; i < q.length; i += nc) {
    for (let c = 0; c < nc; c++) out[i + c] = q[i + c] * gain[c];
  }
}

/** out = x · scale[c], rounded to float32 (the float32 product, exact in float64 before rounding). */
export function scaleChannelsTS(x: Float32Array, numChannels: number, scale: Float32Array, out: Float32Array): void {
  checkQuantize(x, numChannels, scale, out, 'scaleChannels');
  const nc = numChannels;
  for (let i = 0; i < x.length; i += nc) {
    for (let c = 0; c < nc; c++) out[i + c] = x[i + c] * scale[c];
  }
}

export function checkQuantizeRowRef(x: ArrayLike<number>, numChannels: number, rowRef: ArrayLike<number>, invGain: ArrayLike<number>, out: ArrayLike<number>): void {
  checkBlock('quantizeInt16RowRef', x.length, numChannels, invGain.length, out.length);
  const rows = x.length / numChannels;
  if (rowRef.length < rows) throw new Error(`quantizeInt16RowRef: ${rowRef.length} row references for ${rows} rows`);
}

/**
 * quantizeInt16TS of x[t, c] − rowRef[t] (the float32 difference), without writing the difference: the
 * common reference's subtraction and the trace cache's encoding in one pass. x is not modified.
 */
export function quantizeInt16RowRefTS(x: Float32Array, numChannels: number, rowRef: Float32Array, invGain: Float64Array, out: Int16Array): number {
  checkQuantizeRowRef(x, numChannels, rowRef, invGain, out);
  return quantizeRows(x, numChannels, rowRef, invGain, out);
}
