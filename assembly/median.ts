/**
 * Per-time-step median across a subset of channels (common median reference). The median is a value of
 * the data (or the mean of the two middle ones), so any exact selection gives the TS reference's result.
 *
 * Each row is narrowed in stages, every one a SIMD pass that counts the values below and above a window
 * and packs those inside it; exact counts decide whether the window holds the middle ranks, and a miss
 * falls back to the stage before (at worst quickselect over the whole row, also for rows with NaN):
 * 1. Wide subsets (SUBSAMPLE_MIN channels up): a window about a cheap rough centre of the row
 *    (quickCenter) whose half-width adapts to the misses; behind it, a bracket by two order statistics of
 *    a subsample. Narrow subsets: a window about the previous row's median.
 * 2. Inside the window the values are nearly uniform, so the middle rank's value is interpolated and a
 *    window of a few ranks about it is packed, up to three times (refineMiddle).
 * 3. The last few values are ranked by counting all pairs (middleByRankCounts).
 * The clipped median reuses stages 2 and 3 about the plain median, counting only the kept channels.
 */

/** k-th smallest of a[0..n) (0-based; f32 or f64), partially reordering a (the TS reference's pivot and swap order). */
export function quickselect<T>(a: usize, n: i32, k: i32): T {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps sorted or constant inputs from going quadratic.
    const mid = (lo + hi) >> 1;
    let p = load<T>(a + <usize>mid * sizeof<T>());
    const l = load<T>(a + <usize>lo * sizeof<T>()), h = load<T>(a + <usize>hi * sizeof<T>());
    if ((l <= p && p <= h) || (h <= p && p <= l)) {
      // p is the middle
    } else if ((p <= l && l <= h) || (h <= l && l <= p)) p = l;
    else p = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<T>(a + <usize>i * sizeof<T>()) < p) i++;
      while (load<T>(a + <usize>j * sizeof<T>()) > p) j--;
      if (i <= j) {
        const pi = a + <usize>i * sizeof<T>(), pj = a + <usize>j * sizeof<T>();
        const t = load<T>(pi);
        store<T>(pi, load<T>(pj));
        store<T>(pj, t);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return load<T>(a + <usize>k * sizeof<T>());
  }
  return load<T>(a + <usize>k * sizeof<T>());
}

/** Median of a[0..n) as numpy defines it; reorders a. NaN for n = 0. */
function medianInPlace(a: usize, n: i32): f32 {
  if (n == 0) return NaN;
  const h = n >> 1;
  const upper = quickselect<f32>(a, n, h);
  if (n & 1) return upper;
  // After selecting index h, every value below it is in a[0..h): the lower middle is their maximum.
  let lower = load<f32>(a);
  for (let i = 1; i < h; i++) {
    const v = load<f32>(a + <usize>i * 4);
    if (v > lower) lower = v;
  }
  return <f32>((<f64>lower + <f64>upper) / 2);
}

/**
 * k-th smallest of a[0..n) (0-based) for NaN-free 4-byte values (f32 or i32), partially reordering a like
 * quickselect (every value in front of k is at most a[k]). Branch-free Lomuto partitions: on the window's
 * ~100 values of noise the data-dependent branches of quickselect mispredict about half the time, which
 * costs more than the comparisons. Values equal to the pivot are split off by a second pass, so ties (int16
 * steps repeat often) cannot make it quadratic. The stored value is returned, so a -0 stays -0.
 */
export function selectBranchFree<T>(a: usize, n: i32, k: i32): T {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    let p = load<T>(a + <usize>mid * 4);
    const l = load<T>(a + <usize>lo * 4), h = load<T>(a + <usize>hi * 4);
    // Median of three: max(min(l, h), min(max(l, h), p)).
    p = max<T>(min<T>(l, h), min<T>(max<T>(l, h), p));
    let s = lo;
    for (let i = lo; i <= hi; i++) {
      const pi = a + <usize>i * 4, ps = a + <usize>s * 4;
      const v = load<T>(pi);
      store<T>(pi, load<T>(ps));
      store<T>(ps, v);
      s += <i32>(v < p);
    }
    // [lo, s) < p ≤ [s, hi]: the ties only need splitting off when k is not below s.
    if (k < s) {
      hi = s - 1;
      continue;
    }
    let e = s;
    for (let i = s; i <= hi; i++) {
      const pi = a + <usize>i * 4, pe = a + <usize>e * 4;
      const v = load<T>(pi);
      store<T>(pi, load<T>(pe));
      store<T>(pe, v);
      e += <i32>(v <= p);
    }
    // [s, e) holds the values equal to p (at least the pivot itself, so the range always shrinks).
    if (k < e) return load<T>(a + <usize>k * 4);
    lo = e;
  }
  return load<T>(a + <usize>k * 4);
}

/**
 * Byte shuffles that move the lanes set in a 4-bit mask to the front, in order (one row of 16 bytes per
 * mask): packing four values is then one swizzle and one full-vector store instead of four lane stores.
 */
const PACK_SHUFFLES: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0,
  8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0,
  12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
], 16);

/**
 * Stores v's lanes selected by mask's low 4 bits, in order, from pBuf[n] on and returns n advanced by
 * their count. Writes a full vector: pBuf needs 3 values of slack past the last one kept; packing in
 * place is safe because the write index never passes the values already loaded.
 */
@inline function packLanes(v: v128, mask: i32, pBuf: usize, n: i32): i32 {
  v128.store(pBuf + <usize>n * 4, i8x16.swizzle(v, v128.load(PACK_SHUFFLES + (<usize>mask << 4))));
  return n + popcnt<i32>(mask);
}

/** Copies row values x[row + subset[j]] to buf. */
// @ts-ignore: decorator
@inline function gather(row: usize, pSubset: usize, m: i32, pBuf: usize): void {
  for (let j = 0; j < m; j++) {
    const c = load<i32>(pSubset + <usize>j * 4);
    store<f32>(pBuf + <usize>j * 4, load<f32>(row + <usize>c * 4));
  }
}

/**
 * The previous-median window narrows while more than 1/WINDOW_SHARE of the values fall inside it and
 * widens below an eighth of that.
 */
const WINDOW_SHARE: i32 = 4;

/**
 * From SUBSAMPLE_MIN values up, a row missed by the window about quickCenter is bracketed by two order
 * statistics of a systematic subsample of about SUBSAMPLE_SIZE of its values (ranks 34% and 66%), not by
 * the previous row's median: the shared noise a median reference removes is white after the high-pass
 * filter, so consecutive medians jump by about the noise and a window about the last one often misses.
 * The bracket holds about a third of the values and misses the median in about 1% of rows.
 */
const SUBSAMPLE_MIN: i32 = 128;
const SUBSAMPLE_SIZE: i32 = 64;
/**
 * The clipped median's window about the plain median narrows while more than 1/CLIPPED_WINDOW_SHARE of
 * the kept values fall inside it and widens below an eighth of that.
 */
const CLIPPED_WINDOW_SHARE: i32 = 8;
/** Subsample scratch: at most m / floor(m / SUBSAMPLE_SIZE) + 1 < 2 × SUBSAMPLE_SIZE + 1 values. */
const SUBSAMPLE_SCRATCH: usize = memory.data(<i32>(2 * SUBSAMPLE_SIZE + 4) * 4, 16);

/** Median found by the last successful selectInWindow. */
let windowMedian: f32 = 0;

/** Counts of the last packWindow call: values below lo, inside [lo, hi] (packed), above hi. */
let windowBelow: i32 = 0;
let windowInside: i32 = 0;
let windowAbove: i32 = 0;

/**
 * Counts the n values at src below lo and above hi and packs those inside [lo, hi] (not NaN) to pDst
 * (n + 3 values of room). NaN is counted nowhere, which a short total shows. src may be pDst.
 */
function packWindow(src: usize, n: i32, lo: f32, hi: f32, pDst: usize): void {
  const lo4 = f32x4.splat(lo);
  const hi4 = f32x4.splat(hi);
  let below4 = i32x4.splat(0);
  let above4 = i32x4.splat(0);
  let inside = 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(src + <usize>j * 4);
    const lt = f32x4.lt(v, lo4);
    const gt = f32x4.gt(v, hi4);
    below4 = i32x4.sub(below4, lt);
    above4 = i32x4.sub(above4, gt);
    inside = packLanes(v, i32x4.bitmask(v128.andnot(f32x4.eq(v, v), v128.or(lt, gt))), pDst, inside);
  }
  let below = i32x4.extract_lane(below4, 0) + i32x4.extract_lane(below4, 1) + i32x4.extract_lane(below4, 2) + i32x4.extract_lane(below4, 3);
  let above = i32x4.extract_lane(above4, 0) + i32x4.extract_lane(above4, 1) + i32x4.extract_lane(above4, 2) + i32x4.extract_lane(above4, 3);
  for (; j < n; j++) {
    const v = load<f32>(src + <usize>j * 4);
    if (v < lo) below++;
    else if (v > hi) above++;
    else if (v == v) {
      store<f32>(pDst + <usize>inside * 4, v);
      inside++;
    }
  }
  windowBelow = below;
  windowInside = inside;
  windowAbove = above;
}

/** Scratch for refineMiddle's second window (set by the exported kernels: n + 4 values past their pBuf's). */
let refineBuf: usize = 0;
/**
 * Half-width of refineMiddle's windows in ranks, one per caller (their brackets differ) and level: it
 * widens after a miss and narrows after a hit, which keeps misses (a full selection of the values the
 * level started from) to about one in fifteen.
 */
const REFINE_LEVELS: i32 = 3;
const REFINE_CALLERS: i32 = 5;
const REFINE_RANKS: usize = memory.data(REFINE_CALLERS * REFINE_LEVELS * 4, 16);
const REFINE_NARROW: f32 = 0.95;
const REFINE_WIDEN: f32 = 1.3;
const REFINE_RANKS_MIN: f32 = 2;
const REFINE_RETRY: f32 = 4;

/** Up to this many values, middleByRankCounts selects faster than a partitioning selection. */
const RANK_COUNT_MAX: i32 = 16;

/**
 * Rank k of the n ≤ RANK_COUNT_MAX NaN-free values at q (the mean of ranks k − 1 and k when even): the
 * k-th smallest is the smallest value that more than k values are at most. All pairs are compared four at
 * a time, with no data-dependent branch and no reordering; ties need no special case. q needs room for 4
 * values past n (padded with +Infinity, which never wins a minimum that a value of q can win).
 */
function middleByRankCounts(q: usize, n: i32, k: i32, even: bool): f32 {
  const inf4 = f32x4.splat(Infinity);
  v128.store(q + <usize>n * 4, inf4);
  const k4 = i32x4.splat(k);
  const kLow4 = i32x4.splat(even ? k - 1 : k);
  let upper4 = inf4;
  let lower4 = inf4;
  for (let b = 0; b < n; b += 4) {
    const s = v128.load(q + <usize>b * 4);
    let atMost = i32x4.splat(0);
    for (let j = 0; j < n; j++) atMost = i32x4.sub(atMost, f32x4.le(f32x4.splat(load<f32>(q + <usize>j * 4)), s));
    upper4 = f32x4.pmin(upper4, v128.bitselect(s, inf4, i32x4.gt_s(atMost, k4)));
    lower4 = f32x4.pmin(lower4, v128.bitselect(s, inf4, i32x4.gt_s(atMost, kLow4)));
  }
  const upper = min<f32>(min<f32>(f32x4.extract_lane(upper4, 0), f32x4.extract_lane(upper4, 1)), min<f32>(f32x4.extract_lane(upper4, 2), f32x4.extract_lane(upper4, 3)));
  if (!even) return upper;
  const lower = min<f32>(min<f32>(f32x4.extract_lane(lower4, 0), f32x4.extract_lane(lower4, 1)), min<f32>(f32x4.extract_lane(lower4, 2), f32x4.extract_lane(lower4, 3)));
  return <f32>((<f64>lower + <f64>upper) / 2);
}

/**
 * Median of the n NaN-free values at p, all inside [lo, hi], whose middle ranks among them are r (upper)
 * and, when even, r − 1. Reorders p. Inside a narrow bracket the values are nearly uniform, so rank r lies
 * near lo + (hi − lo)(r + ½)/n: a window of ±refineRanks ranks about it is packed (exact counts decide
 * whether it holds the ranks), up to REFINE_LEVELS times, and only the few values left are selected among.
 */
function refineMiddle(p: usize, n: i32, r: i32, even: bool, lo: f32, hi: f32, state: i32): f32 {
  let q = p;
  let spare = refineBuf;
  let k = r;
  let count = n;
  let qLo = lo;
  let qHi = hi;
  for (let level = 0; level < REFINE_LEVELS && count > RANK_COUNT_MAX; level++) {
    const pRanks = REFINE_RANKS + <usize>(state * REFINE_LEVELS + level) * 4;
    let ranks = load<f32>(pRanks);
    if (!(ranks > 0)) ranks = 8;
    const step: f32 = (qHi - qLo) / <f32>count;
    const center: f32 = qLo + step * (<f32>k + (even ? 0 : 0.5));
    let half: f32 = step * ranks;
    packWindow(q, count, center - half, center + half, spare);
    let below = windowBelow;
    let hit = below + windowInside + windowAbove == count && below <= (even ? k - 1 : k) && k < below + windowInside;
    store<f32>(pRanks, hit ? max<f32>(ranks * REFINE_NARROW, REFINE_RANKS_MIN) : min<f32>(ranks * REFINE_WIDEN, <f32>count));
    if (!hit) {
      // A miss is usually near: one retry REFINE_RETRY times wider costs less than selecting among all.
      half *= REFINE_RETRY;
      packWindow(q, count, center - half, center + half, spare);
      below = windowBelow;
      hit = below + windowInside + windowAbove == count && below <= (even ? k - 1 : k) && k < below + windowInside;
    }
    if (!hit) break;
    // The level's values are no longer needed: its buffer takes the next level's.
    const packed = spare;
    spare = q;
    q = packed;
    k -= below;
    count = windowInside;
    qLo = center - half;
    qHi = center + half;
  }
  if (count <= RANK_COUNT_MAX) return middleByRankCounts(q, count, k, even);
  const upper = selectBranchFree<f32>(q, count, k);
  if (!even) return upper;
  // After selecting rank k, the lower middle is the largest value in front of it.
  let lower = load<f32>(q);
  for (let i = 1; i < k; i++) {
    const v = load<f32>(q + <usize>i * 4);
    if (v > lower) lower = v;
  }
  return <f32>((<f64>lower + <f64>upper) / 2);
}

/**
 * Counts the m values at src below lo and above hi and packs those inside [lo, hi] (not NaN) to buf;
 * when the middle ranks (h, and h − 1 for an even count) are inside, selects them, stores the median in
 * windowMedian and returns how many values were inside, else returns −1. src may be buf.
 */
function selectInWindow(src: usize, m: i32, lo: f32, hi: f32, pBuf: usize, state: i32): i32 {
  const h = m >> 1;
  const even = (m & 1) == 0;
  const lowRank = even ? h - 1 : h;
  packWindow(src, m, lo, hi, pBuf);
  const below = windowBelow;
  const inside = windowInside;
  if (!(below + inside + windowAbove == m && below <= lowRank && h < below + inside)) return -1;
  windowMedian = refineMiddle(pBuf, inside, h - below, even, lo, hi, state);
  return inside;
}

/**
 * The window about quickCenter narrows by SPREAD_NARROW after each hit; a miss falls back to the
 * subsample bracket and widens it by SPREAD_WIDEN (at least to that bracket's width). Misses then settle
 * at a few per cent of the rows.
 */
const SPREAD_NARROW: f32 = 0.98;
const SPREAD_WIDEN: f32 = 1.5;

/**
 * A rough, cheap middle of the m ≥ 36 NaN-free values at src: nine vectors spread over the row, the median
 * of three of their medians of three (lane-wise), then the middle of the four lanes. Only a window's
 * center: the counts decide whether the window holds the median.
 */
function quickCenter(src: usize, m: i32): f32 {
  const step = <usize>((m - 4) >> 3) * 4;
  const v0 = v128.load(src), v1 = v128.load(src + step), v2 = v128.load(src + 2 * step);
  const v3 = v128.load(src + 3 * step), v4 = v128.load(src + 4 * step), v5 = v128.load(src + 5 * step);
  const v6 = v128.load(src + 6 * step), v7 = v128.load(src + 7 * step), v8 = v128.load(src + 8 * step);
  const c = median3x4(median3x4(v0, v3, v6), median3x4(v1, v4, v7), median3x4(v2, v5, v8));
  const a0 = f32x4.extract_lane(c, 0), a1 = f32x4.extract_lane(c, 1);
  const a2 = f32x4.extract_lane(c, 2), a3 = f32x4.extract_lane(c, 3);
  // The two middle lanes of four: the larger of the pair minima and the smaller of the pair maxima.
  return (max<f32>(min<f32>(a0, a1), min<f32>(a2, a3)) + min<f32>(max<f32>(a0, a1), max<f32>(a2, a3))) * 0.5;
}

/** Lane-wise median of three. */
// @ts-ignore: decorator
@inline function median3x4(a: v128, b: v128, c: v128): v128 {
  return f32x4.pmax(f32x4.pmin(a, b), f32x4.pmin(f32x4.pmax(a, b), c));
}

/** Lower and upper bracket of the last subsampleBracket call. */
let bracketLo: f32 = 0;
let bracketHi: f32 = 0;

/** Brackets the median of the m values at src by two order statistics of every (m / SUBSAMPLE_SIZE)-th value. */
function subsampleBracket(src: usize, m: i32): void {
  const stride = m / SUBSAMPLE_SIZE;
  let n = 0;
  let nan = false;
  for (let j = 0; j < m; j += stride, n++) {
    const v = load<f32>(src + <usize>j * 4);
    nan = nan || v != v;
    store<f32>(SUBSAMPLE_SCRATCH + <usize>n * 4, v);
  }
  if (nan) {
    // No bracket: the row takes the full selection.
    bracketLo = 1;
    bracketHi = 0;
    return;
  }
  const d = (n * 5) >> 5;
  const kLo = ((n - 1) >> 1) - d;
  const kHi = (n >> 1) + d;
  bracketLo = selectBranchFree<f32>(SUBSAMPLE_SCRATCH, n, kLo);
  // After selecting rank kLo, every value from kLo + 1 on is at least bracketLo.
  bracketHi = selectBranchFree<f32>(SUBSAMPLE_SCRATCH + <usize>(kLo + 1) * 4, n - kLo - 1, kHi - kLo - 1);
}

/**
 * out[t] = median over subset (int32 channel indices, already validated) of x[t*numChannels + c].
 * pBuf: 2m + 8 f32 of scratch (packing writes whole vectors past the values it keeps).
 */
export function medianAcrossChannels(pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize): void {
  const rowBytes = <usize>numChannels * 4;
  refineBuf = pBuf + <usize>(m + 4) * 4;
  let center: f32 = 0;
  let half: f32 = -1; // no window until a first row has been selected in full
  let spread: f32 = -1; // half-width of the window about quickCenter; none until a subsample bracket
  // A run of consecutive channels (the global reference) is scanned in place, without a copy.
  let contiguous = m > 0;
  const first = m > 0 ? load<i32>(pSubset) : 0;
  for (let j = 1; j < m && contiguous; j++) contiguous = load<i32>(pSubset + <usize>j * 4) == first + j;
  const bracketed = m >= SUBSAMPLE_MIN;
  let row = pX;
  for (let t = 0; t < numSamples; t++, row += rowBytes) {
    let med: f32 = 0;
    let done = false;
    if (bracketed || (half >= 0 && m >= 8)) {
      let src = row + <usize>first * 4;
      if (!contiguous) {
        gather(row, pSubset, m, pBuf);
        src = pBuf;
      }
      if (bracketed) {
        if (spread >= 0) {
          const c = quickCenter(src, m);
          if (selectInWindow(src, m, c - spread, c + spread, pBuf, 0) >= 0) {
            med = windowMedian;
            done = true;
            spread *= SPREAD_NARROW;
          } else if (!contiguous) {
            gather(row, pSubset, m, pBuf); // the failed try packed pBuf in place
          }
        }
        if (!done) {
          subsampleBracket(src, m);
          // A NaN in the subsample gives no bracket (lo > hi).
          if (bracketLo <= bracketHi) {
            const width = bracketHi - bracketLo;
            if (isFinite<f32>(width)) spread = max<f32>(spread * SPREAD_WIDEN, width);
            if (selectInWindow(src, m, bracketLo, bracketHi, pBuf, 4) >= 0) {
              med = windowMedian;
              done = true;
            }
          }
        }
      } else {
        const inside = selectInWindow(src, m, center - half, center + half, pBuf, 1);
        if (inside >= 0) {
          med = windowMedian;
          done = true;
          if (inside * WINDOW_SHARE > m) half *= 0.9;
          else if (inside * WINDOW_SHARE * 8 < m) half *= 1.2;
        }
      }
    }
    if (!done) {
      gather(row, pSubset, m, pBuf);
      med = medianInPlace(pBuf, m);
      // Missed (or first row): widen to cover at least twice the jump.
      const jump: f32 = abs<f32>(med - center);
      half = half < 0 ? abs<f32>(med) * 0.01 + 1e-3 : max<f32>(half * 2, jump * 2);
      if (!(half >= 0) || !isFinite<f32>(half)) half = -1; // NaN or infinite rows: no window from them
    }
    center = med;
    // −0 → +0, as the reference does (which zero a selection lands on depends on its order).
    store<f32>(pOut + <usize>t * 4, med + 0);
  }
}

/**
 * Clipped median reference (the TS reference is clippedMedianAcrossChannelsTS): med(t) = the plain median
 * of row t; channel j is left out of row t when |x(t', j) − med(t')| > clip for some t' in
 * [t − back, t + fwd] ∩ [0, numSamples); out[t] = the median of the channels left, or med(t) when none
 * is left out, fewer than half remain, or med(t) is NaN. A large spike leaves its channels out for its
 * whole waveform (its rebound included, where it is small but still moves a plain median), so its
 * inverted copy is not stamped on the other channels. pMed: numSamples f32; pUntil: m i32 and pBuf: 2m + 8 f32
 * of scratch.
 */
export function clippedMedianAcrossChannels(
  pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize,
  clip: f32, back: i32, fwd: i32, pMed: usize, pUntil: usize,
): void {
  medianAcrossChannels(pX, numSamples, numChannels, pSubset, m, pMed, pBuf);
  refineBuf = pBuf + <usize>(m + 4) * 4;
  const rowBytes = <usize>numChannels * 4;
  // A run of consecutive channels (the global reference) is read in place, four at a time.
  let contiguous = m > 0;
  const first = m > 0 ? load<i32>(pSubset) : 0;
  for (let j = 1; j < m && contiguous; j++) contiguous = load<i32>(pSubset + <usize>j * 4) == first + j;
  const base = pX + <usize>first * 4;
  // until[j]: the last row that a flag seen so far leaves channel j out of (flag row + back).
  for (let j = 0; j < m; j++) store<i32>(pUntil + <usize>j * 4, -1);
  // Rows fwd ahead are flagged before row t is reduced: a flag at u leaves out rows u − fwd .. u + back.
  // The latest row any flag leaves a channel out of: rows after it keep every channel (out = med).
  let lastMark = -1;
  for (let u = 0; u < min<i32>(fwd, numSamples); u++) {
    if (flagRow(pX + <usize>u * rowBytes, base + <usize>u * rowBytes, contiguous, pSubset, m, load<f32>(pMed + <usize>u * 4), clip, u + back, pUntil)) lastMark = u + back;
  }
  let half: f32 = -1; // half-width of the window about the plain median; none until a first reselection
  for (let t = 0; t < numSamples; t++) {
    const lead = t + fwd;
    if (lead < numSamples) {
      if (flagRow(pX + <usize>lead * rowBytes, base + <usize>lead * rowBytes, contiguous, pSubset, m, load<f32>(pMed + <usize>lead * 4), clip, lead + back, pUntil)) lastMark = lead + back;
    }
    const med = load<f32>(pMed + <usize>t * 4);
    let out = med;
    if (med == med && lastMark >= t) {
      const row = pX + <usize>t * rowBytes;
      const src = base + <usize>t * rowBytes;
      let done = false;
      let hit = false;
      // Leaving out a few channels moves the median by a few ranks only: a narrow window about the
      // plain median usually holds the new one, and costs less than bracketing by a subsample. The
      // kept channels are counted and packed in the same pass.
      if (half > 0) {
        const kept = packKeptInWindow(row, src, contiguous, pSubset, m, t, pUntil, med - half, med + half, pBuf);
        const h = kept >> 1;
        const even = (kept & 1) == 0;
        const below = windowBelow;
        const inside = windowInside;
        if (kept * 2 >= m && kept >= 8 && below + inside + windowAbove == kept && below <= (even ? h - 1 : h) && h < below + inside) {
          out = refineMiddle(pBuf, inside, h - below, even, med - half, med + half, 2);
          done = true;
          hit = true;
          if (inside * CLIPPED_WINDOW_SHARE > kept) half *= 0.9;
          else if (inside * CLIPPED_WINDOW_SHARE * 8 < kept) half *= 1.2;
        }
      }
      if (!done) {
        const kept = packKept(row, src, contiguous, pSubset, m, t, pUntil, pBuf);
        if (kept * 2 >= m) {
          if (kept >= SUBSAMPLE_MIN) {
            // As medianAcrossChannels: bracket the median by the kept values' subsample, select inside.
            subsampleBracket(pBuf, kept);
            if (bracketLo <= bracketHi && selectInWindow(pBuf, kept, bracketLo, bracketHi, pBuf, 3) >= 0) {
              out = windowMedian;
              done = true;
            } else {
              packKept(row, src, contiguous, pSubset, m, t, pUntil, pBuf); // the failed try packed pBuf in place
            }
          }
          if (!done) out = medianInPlace(pBuf, kept);
          // Missed (or first reselected row): widen to cover at least twice the shift.
          const shift: f32 = abs<f32>(out - med);
          half = half <= 0 ? shift * 2 + abs<f32>(med) * 0.01 + 1e-3 : max<f32>(half * 2, shift * 2);
          if (!(half > 0) || !isFinite<f32>(half)) half = -1; // NaN or infinite rows: no window from them
        }
      }
    }
    store<f32>(pOut + <usize>t * 4, out + 0);
  }
}

/** until[j] = mark for the channels of the row that lie beyond clip of its median; returns whether any does. */
function flagRow(row: usize, src: usize, contiguous: bool, pSubset: usize, m: i32, med: f32, clip: f32, mark: i32, pUntil: usize): bool {
  if (med != med) return false;
  let any = false;
  let j = 0;
  if (contiguous) {
    const med4 = f32x4.splat(med);
    const clip4 = f32x4.splat(clip);
    const mark4 = i32x4.splat(mark);
    for (; j + 4 <= m; j += 4) {
      const beyond = f32x4.gt(f32x4.abs(f32x4.sub(v128.load(src + <usize>j * 4), med4)), clip4);
      if (v128.any_true(beyond)) {
        const pu = pUntil + <usize>j * 4;
        v128.store(pu, v128.bitselect(mark4, v128.load(pu), beyond));
        any = true;
      }
    }
  }
  for (; j < m; j++) {
    const v = contiguous ? load<f32>(src + <usize>j * 4) : load<f32>(row + <usize>load<i32>(pSubset + <usize>j * 4) * 4);
    if (abs<f32>(v - med) > clip) {
      store<i32>(pUntil + <usize>j * 4, mark);
      any = true;
    }
  }
  return any;
}

/** Packs to buf the row's values of the channels not left out at row t (until[j] < t); returns how many. */
function packKept(row: usize, src: usize, contiguous: bool, pSubset: usize, m: i32, t: i32, pUntil: usize, pBuf: usize): i32 {
  let kept = 0;
  let j = 0;
  if (contiguous) {
    const t4 = i32x4.splat(t);
    for (; j + 4 <= m; j += 4) {
      const v = v128.load(src + <usize>j * 4);
      const mask = i32x4.bitmask(i32x4.lt_s(v128.load(pUntil + <usize>j * 4), t4));
      kept = packLanes(v, mask, pBuf, kept);
    }
  }
  for (; j < m; j++) {
    const v = contiguous ? load<f32>(src + <usize>j * 4) : load<f32>(row + <usize>load<i32>(pSubset + <usize>j * 4) * 4);
    store<f32>(pBuf + <usize>kept * 4, v);
    kept += <i32>(load<i32>(pUntil + <usize>j * 4) < t);
  }
  return kept;
}

/**
 * packWindow over the channels kept at row t (until[j] < t): counts those below lo and above hi (in
 * windowBelow, windowAbove) and packs those inside [lo, hi] (not NaN) to buf (windowInside); returns how
 * many channels are kept. One pass instead of packKept's copy followed by packWindow's.
 */
function packKeptInWindow(row: usize, src: usize, contiguous: bool, pSubset: usize, m: i32, t: i32, pUntil: usize, lo: f32, hi: f32, pBuf: usize): i32 {
  let below = 0;
  let above = 0;
  let inside = 0;
  let kept = 0;
  let j = 0;
  if (contiguous) {
    const t4 = i32x4.splat(t);
    const lo4 = f32x4.splat(lo);
    const hi4 = f32x4.splat(hi);
    let below4 = i32x4.splat(0);
    let above4 = i32x4.splat(0);
    let kept4 = i32x4.splat(0);
    for (; j + 4 <= m; j += 4) {
      const v = v128.load(src + <usize>j * 4);
      const keep = i32x4.lt_s(v128.load(pUntil + <usize>j * 4), t4);
      const lt = v128.and(f32x4.lt(v, lo4), keep);
      const gt = v128.and(f32x4.gt(v, hi4), keep);
      below4 = i32x4.sub(below4, lt);
      above4 = i32x4.sub(above4, gt);
      kept4 = i32x4.sub(kept4, keep);
      inside = packLanes(v, i32x4.bitmask(v128.andnot(v128.and(keep, f32x4.eq(v, v)), v128.or(lt, gt))), pBuf, inside);
    }
    below = i32x4.extract_lane(below4, 0) + i32x4.extract_lane(below4, 1) + i32x4.extract_lane(below4, 2) + i32x4.extract_lane(below4, 3);
    above = i32x4.extract_lane(above4, 0) + i32x4.extract_lane(above4, 1) + i32x4.extract_lane(above4, 2) + i32x4.extract_lane(above4, 3);
    kept = i32x4.extract_lane(kept4, 0) + i32x4.extract_lane(kept4, 1) + i32x4.extract_lane(kept4, 2) + i32x4.extract_lane(kept4, 3);
  }
  for (; j < m; j++) {
    if (load<i32>(pUntil + <usize>j * 4) >= t) continue;
    kept++;
    const v = contiguous ? load<f32>(src + <usize>j * 4) : load<f32>(row + <usize>load<i32>(pSubset + <usize>j * 4) * 4);
    if (v < lo) below++;
    else if (v > hi) above++;
    else if (v == v) {
      store<f32>(pBuf + <usize>inside * 4, v);
      inside++;
    }
  }
  windowBelow = below;
  windowInside = inside;
  windowAbove = above;
  return kept;
}
