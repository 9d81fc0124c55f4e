/**
 * Exact selections of the common-mode estimate (preprocessing/commonmode.ts): a chunk's per-channel median
 * and MAD, and per time step the median across channels of the centred, noise-scaled traces. The TS
 * references of Kernels.channelMedianAndMad and Kernels.normalizedRowSelect. A selection's value is unique, so any
 * exact method gives the same number; only a zero's sign could differ, and results are returned as v + 0
 * (−0 → +0) so that every backend gives the same bits.
 */
import { quickselect } from './median.js';

/** Checks normalizedRowSelect's shapes; shared with the WASM backend. */
export function checkNormalizedRowSelect(x: Float32Array, numChannels: number, live: Int32Array, centre: Float64Array, inv: Float64Array, k: number, out: Float64Array): void {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`normalizedRowSelect: numChannels = ${numChannels} must be a positive integer`);
  if (x.length < out.length * numChannels) throw new Error(`normalizedRowSelect: x holds ${x.length} values, fewer than ${out.length} rows of ${numChannels} channels`);
  if (centre.length < numChannels || inv.length < numChannels) throw new Error(`normalizedRowSelect: centre (${centre.length}) and inv (${inv.length}) need one value per channel (${numChannels})`);
  for (let j = 0; j < live.length; j++) {
    if (!(live[j] >= 0 && live[j] < numChannels)) throw new Error(`normalizedRowSelect: live channel ${live[j]} is outside 0..${numChannels - 1}`);
  }
  if (!Number.isInteger(k) || k < 0 || k >= live.length) throw new Error(`normalizedRowSelect: rank ${k} is outside 0..${live.length - 1}`);
}

/**
 * out[0] = the median of a (index n >> 1 of the sorted values), out[1] = the median of |a[i] − out[0]| (as
 * medianAbsoluteDeviation); both 0 when a is empty; with NaN, what a typed-array sort gives (NaN last).
 * a is scratch: reordered and overwritten.
 */
export function medianAndMadTS(a: Float64Array, out: Float64Array): void {
  const n = a.length;
  if (n === 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const k = n >> 1;
  const median = selectWithNaNLast(a, k);
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i] - median);
  out[0] = median + 0;
  out[1] = selectWithNaNLast(a, k) + 0;
}

/**
 * For each channel c of a time-major block x (rows × numChannels): out[2c] = the median of its column and
 * out[2c + 1] = its MAD, as medianAndMadTS gives them from the column as float64 values.
 */
export function channelMedianAndMadTS(x: Float32Array, numChannels: number, out: Float64Array): void {
  const rows = checkChannelMedianAndMad(x, numChannels, out);
  const col = new Float64Array(rows);
  const pair = new Float64Array(2);
  for (let c = 0; c < numChannels; c++) {
    for (let t = 0; t < rows; t++) col[t] = x[t * numChannels + c];
    medianAndMadTS(col, pair);
    out[2 * c] = pair[0];
    out[2 * c + 1] = pair[1];
  }
}

/** Checks channelMedianAndMad's shapes and returns the row count; shared with the WASM backend. */
export function checkChannelMedianAndMad(x: Float32Array, numChannels: number, out: Float64Array): number {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`channelMedianAndMad: numChannels = ${numChannels} must be a positive integer`);
  if (x.length % numChannels !== 0) throw new Error(`channelMedianAndMad: ${x.length} samples is not a multiple of ${numChannels} channels`);
  if (out.length < 2 * numChannels) throw new Error(`channelMedianAndMad: out holds ${out.length} values, fewer than 2 per channel (${2 * numChannels})`);
  return x.length / numChannels;
}

function selectWithNaNLast(a: Float64Array, k: number): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== a[i]) return a.sort()[k];
  }
  return quickselect(a, a.length, k);
}

/**
 * out[t] = the k-th smallest (0-based) over c in live of (x[t·numChannels + c] − centre[c]) · inv[c], in
 * float64, for t < out.length; NaN values rank last (a typed-array sort's order).
 */
export function normalizedRowSelectTS(x: Float32Array, numChannels: number, live: Int32Array, centre: Float64Array, inv: Float64Array, k: number, out: Float64Array): void {
  checkNormalizedRowSelect(x, numChannels, live, centre, inv, k, out);
  const m = live.length;
  const row = new Float64Array(m);
  for (let t = 0; t < out.length; t++) {
    const b = t * numChannels;
    for (let j = 0; j < m; j++) {
      const c = live[j];
      row[j] = (x[b + c] - centre[c]) * inv[c];
    }
    out[t] = selectWithNaNLast(row, k) + 0;
  }
}
