/**
 * Per-channel scaling of time-major blocks: float32 µV → int16 steps (round half up, clipped), int16 →
 * float32, and float32 × float32 per channel. Four channels per f32x4; the arithmetic (float64 products,
 * floor(v + 0.5), one rounding to float32) is the TS reference's, so results are identical. Quantizing
 * clips and counts on the rounded integers (i32x4), not on float64 pairs: half the compares.
 */
const LIMIT: f64 = 32767;

/** f64x2 of lanes 2 and 3 of an f32x4. */
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/**
 * Four samples' steps (floor(v · inv + 0.5) in float64) as i32x4: the saturating truncation keeps
 * integers within ±2³¹ exact and maps NaN to 0, so clipping can be done on integers.
 */
// @ts-ignore: decorator
@inline function stepsOf4(v: v128, pi: usize): v128 {
  const half = f64x2.splat(0.5);
  const a = f64x2.floor(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), v128.load(pi)), half));
  const b = f64x2.floor(f64x2.add(f64x2.mul(promoteHigh(v), v128.load(pi, 16)), half));
  return v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(a), i32x4.trunc_sat_f64x2_s_zero(b), 0, 1, 4, 5);
}

/** Returns the number of clipped values; x: numSamples × numChannels f32, inv: numChannels f64, out: i16. */
export function quantizeInt16(pX: usize, numSamples: i32, numChannels: i32, pInv: usize, pOut: usize): i32 {
  // No reference: x − (+0) is x bit for bit (−0 included), so this is the plain encoding.
  return quantizeMinusRowRef(pX, numSamples, numChannels, false, 0, pInv, pOut);
}

/** Four int16 samples at pq times their f64 gains at pg, each product rounded once to float32. */
// @ts-ignore: decorator
@inline
export function dequantize4(pq: usize, pg: usize): v128 {
  const i4 = i32x4.extend_low_i16x8_s(v128.load64_zero(pq));
  const a = f64x2.mul(f64x2.convert_low_i32x4_s(i4), v128.load(pg));
  const b = f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(i4, i4, 2, 3, 2, 3)), v128.load(pg, 16));
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** out (f32) = q (i16) · gain (f64 per channel), the product rounded once to float32. */
export function dequantizeInt16(pQ: usize, numSamples: i32, numChannels: i32, pGain: usize, pOut: usize): void {
  const nc = numChannels;
  for (let t = 0; t < numSamples; t++) {
    const pq = pQ + <usize>t * <usize>nc * 2;
    const po = pOut + <usize>t * <usize>nc * 4;
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      v128.store(po + <usize>c * 4, dequantize4(pq + <usize>c * 2, pGain + <usize>c * 8));
    }
    for (; c < nc; c++) store<f32>(po + <usize>c * 4, <f32>(<f64>load<i16>(pq + <usize>c * 2) * load<f64>(pGain + <usize>c * 8)));
  }
}

/** out = x · scale per channel, all float32 (the exact product rounded once, as the reference). */
export function scaleChannels(pX: usize, numSamples: i32, numChannels: i32, pScale: usize, pOut: usize): void {
  const nc = numChannels;
  for (let t = 0; t < numSamples; t++) {
    const px = pX + <usize>t * <usize>nc * 4;
    const po = pOut + <usize>t * <usize>nc * 4;
    let c = 0;
    for (; c + 4 <= nc; c += 4) v128.store(po + <usize>c * 4, f32x4.mul(v128.load(px + <usize>c * 4), v128.load(pScale + <usize>c * 4)));
    for (; c < nc; c++) store<f32>(po + <usize>c * 4, load<f32>(px + <usize>c * 4) * load<f32>(pScale + <usize>c * 4));
  }
}

/**
 * quantizeInt16 of x[t, c] − ref[t] (float32 difference, then the same arithmetic): the common reference's
 * subtraction fused into the cache's encoding. ref: numSamples f32. Returns the number of clipped values.
 */
export function quantizeInt16RowRef(pX: usize, numSamples: i32, numChannels: i32, pRef: usize, pInv: usize, pOut: usize): i32 {
  return quantizeMinusRowRef(pX, numSamples, numChannels, true, pRef, pInv, pOut);
}

/** quantizeInt16RowRef's body; without hasRef every row's reference is +0 (pRef unread). */
function quantizeMinusRowRef(pX: usize, numSamples: i32, numChannels: i32, hasRef: bool, pRef: usize, pInv: usize, pOut: usize): i32 {
  const nc = numChannels;
  const hi = i32x4.splat(<i32>LIMIT);
  const lo = i32x4.splat(-<i32>LIMIT);
  const lo16 = i16x8.splat(-<i16>LIMIT);
  let counts = i32x4.splat(0);
  let clipped: i32 = 0;
  for (let t = 0; t < numSamples; t++) {
    const px = pX + <usize>t * <usize>nc * 4;
    const po = pOut + <usize>t * <usize>nc * 2;
    const r = hasRef ? load<f32>(pRef + <usize>t * 4) : <f32>0;
    const r4 = f32x4.splat(r);
    let c = 0;
    for (; c + 8 <= nc; c += 8) {
      const i4 = stepsOf4(f32x4.sub(v128.load(px + <usize>c * 4), r4), pInv + <usize>c * 8);
      const j4 = stepsOf4(f32x4.sub(v128.load(px + <usize>c * 4 + 16), r4), pInv + <usize>c * 8 + 32);
      counts = i32x4.sub(counts, v128.or(i32x4.gt_s(i4, hi), i32x4.lt_s(i4, lo)));
      counts = i32x4.sub(counts, v128.or(i32x4.gt_s(j4, hi), i32x4.lt_s(j4, lo)));
      v128.store(po + <usize>c * 2, i16x8.max_s(i16x8.narrow_i32x4_s(i4, j4), lo16));
    }
    for (; c + 4 <= nc; c += 4) {
      const i4 = stepsOf4(f32x4.sub(v128.load(px + <usize>c * 4), r4), pInv + <usize>c * 8);
      counts = i32x4.sub(counts, v128.or(i32x4.gt_s(i4, hi), i32x4.lt_s(i4, lo)));
      const q8 = i16x8.max_s(i16x8.narrow_i32x4_s(i4, i4), lo16);
      v128.store64_lane(po + <usize>c * 2, q8, 0);
    }
    for (; c < nc; c++) {
      clipped += storeStep(po + <usize>c * 2, load<f32>(px + <usize>c * 4) - r, load<f64>(pInv + <usize>c * 8));
    }
  }
  return clipped + i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
}

/** One sample's step (the scalar tail of the 8- and 4-channel loops): floor(v · inv + 0.5) in float64, clipped to ±LIMIT, NaN → 0; returns 1 when clipped. */
// @ts-ignore: decorator
@inline
function storeStep(po: usize, v: f32, inv: f64): i32 {
  let q = Math.floor(<f64>v * inv + 0.5);
  let clipped = 0;
  if (q > LIMIT) {
    q = LIMIT;
    clipped = 1;
  } else if (q < -LIMIT) {
    q = -LIMIT;
    clipped = 1;
  } else if (q != q) {
    q = 0;
  }
  store<i16>(po, <i16><i32>q);
  return clipped;
}
