/**
 * Per-channel median absolute deviation, in int16 steps, of a time-major int16 block, from one histogram
 * per channel (the noise levels on the int16 trace cache: 384 channels × 30 000 rows per chunk). The TS
 * reference of Kernels.int16MadSteps.
 */

/** int16 steps either side of 0 that a histogram holds; a median or MAD beyond it is left to the caller. */
export const INT16_MAD_HALF = 4096;
const BINS = 2 * INT16_MAD_HALF;
/**
 * A channel's counters: one below the histogram (values < -HALF), its bins (-HALF .. HALF - 1), one above
 * (≥ HALF); a clamped value indexes its counter with no branch.
 */
const SLOTS = BINS + 2;
/** Histograms this far apart: a power-of-two stride would put every channel's busy bins in the same cache sets. */
export const INT16_MAD_STRIDE = SLOTS + 14;

export function checkInt16MadSteps(raw: Int16Array, numSamples: number, numChannels: number, out: Float64Array): void {
  if (!Number.isInteger(numChannels) || numChannels <= 0 || !Number.isInteger(numSamples) || numSamples < 0) {
    throw new Error(`int16MadSteps: numSamples = ${numSamples}, numChannels = ${numChannels} must be non-negative integers (channels ≥ 1)`);
  }
  if (raw.length < numSamples * numChannels) throw new Error(`int16MadSteps: ${raw.length} values cannot hold ${numSamples} rows of ${numChannels} channels`);
  if (out.length < numChannels) throw new Error(`int16MadSteps: out holds ${out.length} values, fewer than ${numChannels} channels`);
}

let scratch = new Int32Array(0);

/**
 * out[c] = the MAD in steps of channel c over the first numSamples rows (medians at index n >> 1 of the
 * sorted values, exactly), or -1 where the median or the MAD reaches past ±INT16_MAD_HALF steps (a
 * saturated or offset channel: the caller selects it from a copy). 0 for every channel when numSamples = 0.
 */
export function int16MadStepsTS(raw: Int16Array, numSamples: number, numChannels: number, out: Float64Array): void {
  checkInt16MadSteps(raw, numSamples, numChannels, out);
  const nc = numChannels;
  if (scratch.length < nc * INT16_MAD_STRIDE) scratch = new Int32Array(nc * INT16_MAD_STRIDE);
  const hist = scratch;
  hist.fill(0, 0, nc * INT16_MAD_STRIDE);
  for (let t = 0, i = 0; t < numSamples; t++) {
    for (let c = 0, o = INT16_MAD_HALF + 1; c < nc; c++, i++, o += INT16_MAD_STRIDE) {
      const v = raw[i];
      hist[o + (v > INT16_MAD_HALF ? INT16_MAD_HALF : v < -INT16_MAD_HALF - 1 ? -INT16_MAD_HALF - 1 : v)]++;
    }
  }
  const k = numSamples >> 1;
  for (let c = 0; c < nc; c++) out[c] = numSamples === 0 ? 0 : madFromHistogram(hist, c * INT16_MAD_STRIDE, k);
}

/**
 * MAD of one channel's counters at `base`: the median is the bin where the cumulative count passes k, the
 * MAD the smallest distance d around it that holds more than k values; -1 outside the histogram.
 */
function madFromHistogram(hist: Int32Array, base: number, k: number): number {
  let cum = hist[base];
  if (cum > k) return -1;
  const h0 = base + 1;
  let med = -1;
  for (let b = 0; b < BINS; b++) {
    cum += hist[h0 + b];
    if (cum > k) {
      med = b;
      break;
    }
  }
  if (med < 0) return -1;
  // Values outside the histogram are farther from the median than any distance still inside it.
  let count = hist[h0 + med];
  let d = 0;
  while (count <= k) {
    d++;
    if (med - d < 0 || med + d >= BINS) return -1;
    count += hist[h0 + med - d] + hist[h0 + med + d];
  }
  return d;
}
