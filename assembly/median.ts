/**
 * Per-time-step median across a subset of channels (common median reference). The median is a value of
 * the data (or the mean of the two middle ones), so any exact selection gives the TS reference's result.
 *
 * Consecutive rows have nearby medians, so each row is first split around a window [c − w, c + w] about
 * the previous row's median: one SIMD pass counts the values below and above it and packs the few inside
 * it to the front of the row's copy, and the middle ranks are selected among those alone. When they are
 * not inside (or the row holds NaN) the row falls back to quickselect over all its values. The window's
 * half-width w adapts so that it holds a small fraction of the values.
 */

/** k-th smallest of a[0..n) (0-based), partially reordering a. */
function quickselect(a: usize, n: i32, k: i32): f32 {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps sorted or constant inputs from going quadratic.
    const mid = (lo + hi) >> 1;
    let p = load<f32>(a + <usize>mid * 4);
    const l = load<f32>(a + <usize>lo * 4), h = load<f32>(a + <usize>hi * 4);
    if ((l <= p && p <= h) || (h <= p && p <= l)) {
      // p is the middle
    } else if ((p <= l && l <= h) || (h <= l && l <= p)) p = l;
    else p = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<f32>(a + <usize>i * 4) < p) i++;
      while (load<f32>(a + <usize>j * 4) > p) j--;
      if (i <= j) {
        const pi = a + <usize>i * 4, pj = a + <usize>j * 4;
        const t = load<f32>(pi);
        store<f32>(pi, load<f32>(pj));
        store<f32>(pj, t);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return load<f32>(a + <usize>k * 4);
  }
  return load<f32>(a + <usize>k * 4);
}

/** Median of a[0..n) as numpy defines it; reorders a. NaN for n = 0. */
function medianInPlace(a: usize, n: i32): f32 {
  if (n == 0) return NaN;
  const h = n >> 1;
  const upper = quickselect(a, n, h);
  if (n & 1) return upper;
  // After selecting index h, every value below it is in a[0..h): the lower middle is their maximum.
  let lower = load<f32>(a);
  for (let i = 1; i < h; i++) {
    const v = load<f32>(a + <usize>i * 4);
    if (v > lower) lower = v;
  }
  return <f32>((<f64>lower + <f64>upper) / 2);
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
 * The window narrows while more than 1/WINDOW_SHARE of the values fall inside it and widens below an
 * eighth of that: on 384-channel probe data about 99% of rows then need only the ~75 values inside.
 */
const WINDOW_SHARE: i32 = 4;

/** out[t] = median over subset (int32 channel indices, already validated) of x[t*numChannels + c]. */
export function medianAcrossChannels(pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize): void {
  const rowBytes = <usize>numChannels * 4;
  const h = m >> 1;
  const even = (m & 1) == 0;
  // Ranks needed: h (and h − 1 for an even count).
  const lowRank = even ? h - 1 : h;
  let center: f32 = 0;
  let half: f32 = -1; // no window until a first row has been selected in full
  // A run of consecutive channels (the global reference) is scanned in place, without a copy.
  let contiguous = m > 0;
  const first = m > 0 ? load<i32>(pSubset) : 0;
  for (let j = 1; j < m && contiguous; j++) contiguous = load<i32>(pSubset + <usize>j * 4) == first + j;
  let row = pX;
  for (let t = 0; t < numSamples; t++, row += rowBytes) {
    let med: f32 = 0;
    let done = false;
    if (half >= 0 && m >= 8) {
      let src = row + <usize>first * 4;
      if (!contiguous) {
        gather(row, pSubset, m, pBuf);
        src = pBuf;
      }
      const lo: f32 = center - half;
      const hi: f32 = center + half;
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
        let mask = i32x4.bitmask(v128.andnot(f32x4.eq(v, v), v128.or(lt, gt)));
        while (mask != 0) {
          const lane = ctz(mask);
          // Packing in place (src = buf) is safe: the write index never passes the values already loaded.
          store<f32>(pBuf + <usize>inside * 4, load<f32>(p + <usize>lane * 4));
          inside++;
          mask &= mask - 1;
        }
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
      if (below + inside + above == m && below <= lowRank && h < below + inside) {
        const upper = quickselect(pBuf, inside, h - below);
        if (even) {
          // After selecting rank h − below, the lower middle is the largest value in front of it.
          let lower = load<f32>(pBuf);
          for (let i = 1; i < h - below; i++) {
            const v = load<f32>(pBuf + <usize>i * 4);
            if (v > lower) lower = v;
          }
          med = <f32>((<f64>lower + <f64>upper) / 2);
        } else {
          med = upper;
        }
        done = true;
        if (inside * WINDOW_SHARE > m) half *= 0.9;
        else if (inside * WINDOW_SHARE * 8 < m) half *= 1.2;
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
