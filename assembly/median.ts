/**
 * Per-time-step median across a subset of channels (common median reference). The median is a value of
 * the data (or the mean of the two middle ones), so any exact selection gives the TS reference's result.
 *
 * Consecutive rows have nearby medians, so each row is first split around a window [c − w, c + w] about
 * the previous row's median: one SIMD pass counts the values below and above it and packs the few inside
 * it to the front of the row's copy, and the middle ranks are selected among those alone. When they are
 * not inside (or the row holds NaN) the row falls back to quickselect over all its values. The window's
 * half-width w adapts so that it holds a small fraction of the values. Wide subsets (SUBSAMPLE_MIN
 * channels up) bracket each row's median by order statistics of a subsample of the row instead.
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
 * Stores v's four lanes from pBuf[n] on and returns n advanced by the lanes set in mask's low 4 bits:
 * every lane is written, only the selected ones are kept (no branch per value).
 */
@inline function packLanes(v: v128, mask: i32, pBuf: usize, n: i32): i32 {
  store<f32>(pBuf + <usize>n * 4, f32x4.extract_lane(v, 0));
  n += mask & 1;
  store<f32>(pBuf + <usize>n * 4, f32x4.extract_lane(v, 1));
  n += (mask >> 1) & 1;
  store<f32>(pBuf + <usize>n * 4, f32x4.extract_lane(v, 2));
  n += (mask >> 2) & 1;
  store<f32>(pBuf + <usize>n * 4, f32x4.extract_lane(v, 3));
  return n + ((mask >> 3) & 1);
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
 * From SUBSAMPLE_MIN values up, each row's window is bracketed by two order statistics of a systematic
 * subsample of about SUBSAMPLE_SIZE of its values (ranks 34% and 66%), instead of following the
 * previous row's median: the shared noise a median reference removes is white after the high-pass
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

/**
 * Counts the m values at src below lo and above hi and packs those inside [lo, hi] (not NaN) to buf;
 * when the middle ranks (h, and h − 1 for an even count) are inside, selects them, stores the median in
 * windowMedian and returns how many values were inside, else returns −1. src may be buf.
 */
function selectInWindow(src: usize, m: i32, lo: f32, hi: f32, pBuf: usize): i32 {
  const h = m >> 1;
  const even = (m & 1) == 0;
  const lowRank = even ? h - 1 : h;
  const lo4 = f32x4.splat(lo);
  const hi4 = f32x4.splat(hi);
  let below4 = i32x4.splat(0);
  let above4 = i32x4.splat(0);
  let inside = 0;
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const p = src + <usize>j * 4;
    const v = v128.load(p);
    const lt = f32x4.lt(v, lo4);
    const gt = f32x4.gt(v, hi4);
    below4 = i32x4.sub(below4, lt);
    above4 = i32x4.sub(above4, gt);
    // Inside: neither below nor above, and not NaN (NaN is counted nowhere, which the total detects).
    const mask = i32x4.bitmask(v128.andnot(f32x4.eq(v, v), v128.or(lt, gt)));
    // Packing in place (src = buf) is safe: the write index never passes the values already loaded.
    inside = packLanes(v, mask, pBuf, inside);
  }
  let below = i32x4.extract_lane(below4, 0) + i32x4.extract_lane(below4, 1) + i32x4.extract_lane(below4, 2) + i32x4.extract_lane(below4, 3);
  let above = i32x4.extract_lane(above4, 0) + i32x4.extract_lane(above4, 1) + i32x4.extract_lane(above4, 2) + i32x4.extract_lane(above4, 3);
  for (; j < m; j++) {
    const v = load<f32>(src + <usize>j * 4);
    if (v < lo) below++;
    else if (v > hi) above++;
    else if (v == v) {
      store<f32>(pBuf + <usize>inside * 4, v);
      inside++;
    }
  }
  if (!(below + inside + above == m && below <= lowRank && h < below + inside)) return -1;
  const upper = selectBranchFree<f32>(pBuf, inside, h - below);
  if (even) {
    // After selecting rank h − below, the lower middle is the largest value in front of it.
    let lower = load<f32>(pBuf);
    for (let i = 1; i < h - below; i++) {
      const v = load<f32>(pBuf + <usize>i * 4);
      if (v > lower) lower = v;
    }
    windowMedian = <f32>((<f64>lower + <f64>upper) / 2);
  } else {
    windowMedian = upper;
  }
  return inside;
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

/** out[t] = median over subset (int32 channel indices, already validated) of x[t*numChannels + c]. */
export function medianAcrossChannels(pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize): void {
  const rowBytes = <usize>numChannels * 4;
  let center: f32 = 0;
  let half: f32 = -1; // no window until a first row has been selected in full
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
        subsampleBracket(src, m);
        // A NaN in the subsample gives no bracket (lo > hi).
        if (bracketLo <= bracketHi && selectInWindow(src, m, bracketLo, bracketHi, pBuf) >= 0) {
          med = windowMedian;
          done = true;
        }
      } else {
        const inside = selectInWindow(src, m, center - half, center + half, pBuf);
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
 * inverted copy is not stamped on the other channels. pMed: numSamples f32; pUntil: m i32 of scratch.
 */
export function clippedMedianAcrossChannels(
  pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize,
  clip: f32, back: i32, fwd: i32, pMed: usize, pUntil: usize,
): void {
  medianAcrossChannels(pX, numSamples, numChannels, pSubset, m, pMed, pBuf);
  const rowBytes = <usize>numChannels * 4;
  // A run of consecutive channels (the global reference) is read in place, four at a time.
  let contiguous = m > 0;
  const first = m > 0 ? load<i32>(pSubset) : 0;
  for (let j = 1; j < m && contiguous; j++) contiguous = load<i32>(pSubset + <usize>j * 4) == first + j;
  const base = pX + <usize>first * 4;
  // until[j]: the last row that a flag seen so far leaves channel j out of (flag row + back).
  for (let j = 0; j < m; j++) store<i32>(pUntil + <usize>j * 4, -1);
  // Rows fwd ahead are flagged before row t is reduced: a flag at u leaves out rows u − fwd .. u + back.
  for (let u = 0; u < min<i32>(fwd, numSamples); u++) {
    flagRow(pX + <usize>u * rowBytes, base + <usize>u * rowBytes, contiguous, pSubset, m, load<f32>(pMed + <usize>u * 4), clip, u + back, pUntil);
  }
  let half: f32 = -1; // half-width of the window about the plain median; none until a first reselection
  for (let t = 0; t < numSamples; t++) {
    const lead = t + fwd;
    if (lead < numSamples) {
      flagRow(pX + <usize>lead * rowBytes, base + <usize>lead * rowBytes, contiguous, pSubset, m, load<f32>(pMed + <usize>lead * 4), clip, lead + back, pUntil);
    }
    const med = load<f32>(pMed + <usize>t * 4);
    let out = med;
    if (med == med) {
      const row = pX + <usize>t * rowBytes;
      const src = base + <usize>t * rowBytes;
      const kept = packKept(row, src, contiguous, pSubset, m, t, pUntil, pBuf);
      if (kept < m && kept * 2 >= m) {
        let done = false;
        let hit = false;
        // Leaving out a few channels moves the median by a few ranks only: a narrow window about the
        // plain median usually holds the new one, and costs less than bracketing by a subsample.
        if (half > 0 && kept >= 8) {
          const inside = selectInWindow(pBuf, kept, med - half, med + half, pBuf);
          if (inside >= 0) {
            out = windowMedian;
            done = true;
            hit = true;
            if (inside * CLIPPED_WINDOW_SHARE > kept) half *= 0.9;
            else if (inside * CLIPPED_WINDOW_SHARE * 8 < kept) half *= 1.2;
          } else {
            packKept(row, src, contiguous, pSubset, m, t, pUntil, pBuf); // the failed try packed pBuf in place
          }
        }
        if (!done && kept >= SUBSAMPLE_MIN) {
          // As medianAcrossChannels: bracket the median by the kept values' subsample, select inside.
          subsampleBracket(pBuf, kept);
          if (bracketLo <= bracketHi && selectInWindow(pBuf, kept, bracketLo, bracketHi, pBuf) >= 0) {
            out = windowMedian;
            done = true;
          } else {
            packKept(row, src, contiguous, pSubset, m, t, pUntil, pBuf); // the failed try packed pBuf in place
          }
        }
        if (!done) out = medianInPlace(pBuf, kept);
        if (!hit) {
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

/** until[j] = mark for the channels of the row that lie beyond clip of its median. */
function flagRow(row: usize, src: usize, contiguous: bool, pSubset: usize, m: i32, med: f32, clip: f32, mark: i32, pUntil: usize): void {
  if (med != med) return;
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
      }
    }
  }
  for (; j < m; j++) {
    const v = contiguous ? load<f32>(src + <usize>j * 4) : load<f32>(row + <usize>load<i32>(pSubset + <usize>j * 4) * 4);
    if (abs<f32>(v - med) > clip) store<i32>(pUntil + <usize>j * 4, mark);
  }
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
