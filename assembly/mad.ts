/**
 * Median absolute deviation of float64 values, exactly: the same values as the TS reference
 * (src/kernels/mad.ts). Each median is found by bucketing on the leading bits of an order-preserving
 * key (one counting pass, one pass copying out the bucket that holds the rank, with no data-dependent
 * branch), then quickselect among the bucket's few percent of values.
 */
import { quickselect } from './median';

/** Median and MAD of the last medianAndMad call from medianAbsoluteDeviation. */
const PAIR: usize = memory.data(16, 8);

/**
 * MAD of a (n ≥ 1 float64 at pA, overwritten with the absolute deviations), bucketed on `bits` (≤ 16)
 * leading key bits; pCounts: 2^bits i32 of scratch, pBand: n f64 of scratch. Returns -1 when a NaN
 * is met: the host then uses the reference.
 */
export function medianAbsoluteDeviation(pA: usize, n: i32, bits: i32, pCounts: usize, pBand: usize): f64 {
  return medianAndMad(pA, n, bits, pCounts, pBand, PAIR) < 0 ? -1 : load<f64>(PAIR, 8);
}

/**
 * Median and MAD of a (as medianAbsoluteDeviation; a is overwritten with the absolute deviations) into
 * pOut[0], pOut[1], a zero as +0. Returns -1 (nothing written) when a value or a deviation is NaN.
 */
export function medianAndMad(pA: usize, n: i32, bits: i32, pCounts: usize, pBand: usize, pOut: usize): i32 {
  const k = n >> 1;
  memory.fill(pCounts, 0, <usize>4 << bits);
  let nan = false;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(pA + (<usize>i << 3));
    nan = nan || v != v;
    countKey(pCounts, v, bits);
  }
  if (nan) return -1;
  const med = selectFromCounts(pA, n, k, bits, pCounts, pBand);
  memory.fill(pCounts, 0, <usize>4 << bits);
  for (let i = 0; i < n; i++) {
    const a = pA + (<usize>i << 3);
    const v = abs(load<f64>(a) - med);
    store<f64>(a, v);
    nan = nan || v != v;
    countKey(pCounts, v, bits);
  }
  if (nan) return -1;
  store<f64>(pOut, med + 0);
  store<f64>(pOut + 8, selectFromCounts(pA, n, k, bits, pCounts, pBand) + 0);
  return 0;
}

@inline
function bucketOf(v: f64, bits: i32): u32 {
  const h = <i32>(reinterpret<i64>(v) >>> 32);
  return <u32>(h ^ ((h >> 31) | 0x80000000)) >>> (32 - bits);
}

@inline
function countKey(pCounts: usize, v: f64, bits: i32): void {
  const c = pCounts + (<usize>bucketOf(v, bits) << 2);
  store<i32>(c, load<i32>(c) + 1);
}

/** The k-th smallest of a (NaN-free) from its bucket counts. */
function selectFromCounts(pA: usize, n: i32, k: i32, bits: i32, pCounts: usize, pBand: usize): f64 {
  let bucket: u32 = 0;
  let below: i32 = 0;
  while (below + load<i32>(pCounts + (<usize>bucket << 2)) <= k) below += load<i32>(pCounts + (<usize>(bucket++) << 2));
  let m: i32 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(pA + (<usize>i << 3));
    store<f64>(pBand + (<usize>m << 3), v);
    m += <i32>(bucketOf(v, bits) == bucket);
  }
  return quickselect<f64>(pBand, m, k - below);
}
