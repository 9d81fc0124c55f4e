/**
 * Median absolute deviation of float64 values, exactly (the noise levels' MADs: millions of values per
 * channel in the prototype's matched-filter noise, thousands per chunk in the cache's rough noise).
 * The TS reference of Kernels.medianAbsoluteDeviation.
 */
import { quickselect } from './median.js';

/**
 * The median (index n >> 1 of the sorted values) of |a[i] − median(a)|, the median taken the same way;
 * 0 when a is empty. With NaN, the medians are those of a typed-array sort (NaN last). a is scratch:
 * reordered and overwritten. Selections are exact, so only the sign of a zero median may differ between
 * methods, which the absolute deviations, all +0 or positive, do not see: every backend gives these bits.
 */
export function medianAbsoluteDeviationTS(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return 0;
  const k = n >> 1;
  const med = selectKth(a, k);
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i] - med);
  return selectKth(a, k);
}

function selectKth(a: Float64Array, k: number): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== a[i]) {
      // Rare (corrupt samples): a sort's exact semantics rather than special-casing NaN below.
      a.sort();
      return a[k];
    }
  }
  return a.length < RADIX_MIN_LENGTH || !LITTLE_ENDIAN ? quickselect(a, a.length, k) : radixSelect(a, k);
}

/** Below this length quickselect alone is as fast as bucketing first. */
const RADIX_MIN_LENGTH = 1024;
/** Leading key bits that pick a bucket: sign, exponent and 4 mantissa bits (1/16 of a binade). */
export const MAD_RADIX_BITS = 16;
/** The float64 words are read through an Int32Array view: the high word is the odd one on little-endian machines. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

let radixCounts = new Int32Array(0);
let bucketValues = new Float64Array(0);

/**
 * The k-th smallest value of a NaN-free array: values are bucketed by the leading bits of a key that
 * orders float64 like their values (the sign bit flipped for positives, every bit for negatives), one
 * counting pass finds the bucket holding rank k, one pass copies that bucket out (a few percent of noise
 * samples) without a data-dependent branch, and quickselect finishes among them.
 */
function radixSelect(a: Float64Array, k: number): number {
  const n = a.length;
  const words = new Int32Array(a.buffer, a.byteOffset, 2 * n);
  const shift = 32 - MAD_RADIX_BITS;
  if (radixCounts.length === 0) radixCounts = new Int32Array(1 << MAD_RADIX_BITS);
  const counts = radixCounts;
  counts.fill(0);
  for (let i = 1; i < 2 * n; i += 2) {
    const h = words[i];
    counts[(h ^ ((h >> 31) | 0x80000000)) >>> shift]++;
  }
  let bucket = 0;
  let below = 0;
  while (below + counts[bucket] <= k) below += counts[bucket++];
  if (bucketValues.length < n) bucketValues = new Float64Array(n);
  const band = bucketValues;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    band[m] = a[i];
    m += +((h ^ ((h >> 31) | 0x80000000)) >>> shift === bucket);
  }
  return quickselect(band, m, k - below);
}
