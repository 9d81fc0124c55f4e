/**
 * Counter-based random numbers for the ground-truth generator: every value is a pure function of
 * (seed, stream, a, b), so any window of a synthetic recording can be produced on its own and comes out
 * identical whatever the chunking or thread. Mixing is murmur3's 32-bit finaliser applied per word.
 */

/** murmur3 fmix32: a bijective avalanche mix of a 32-bit word. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The part of hash4 that depends on (seed, stream, a) only, so loops over b pay one mix per value. */
export function hashPrefix(seed: number, stream: number, a: number): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32((h ^ (stream >>> 0)) + 0x7f4a7c15);
  h = fmix32((h ^ (a >>> 0)) + 0x85ebca77);
  // a may exceed 2^32 for very long recordings: fold its high part in as well.
  return fmix32((h ^ Math.floor(a / 4294967296)) + 0x27d4eb2f);
}

/** Completes hash4 from hashPrefix(seed, stream, a). */
export function hashFinal(prefix: number, b: number): number {
  return fmix32(((prefix ^ (b >>> 0)) + 0x165667b1) >>> 0);
}

/** A 32-bit hash of four non-negative integers (each taken modulo 2^32; a up to 2^53). */
export function hash4(seed: number, stream: number, a: number, b: number): number {
  return hashFinal(hashPrefix(seed, stream, a), b);
}

/** Uniform in the open interval (0, 1) from a 32-bit hash. */
export function hashToUniform(h: number): number {
  return (h + 0.5) / 4294967296;
}

/** One standard normal for (seed, stream, a, b) via Box-Muller on two independent hashes. */
export function gaussianAt(seed: number, stream: number, a: number, b: number): number {
  const u1 = hashToUniform(hash4(seed, stream, a, 2 * b));
  const u2 = hashToUniform(hash4(seed, stream, a, 2 * b + 1));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Fills out[k] (k = 0..n-1) with standard normals for indices b = first..first+n-1 of (seed, stream, a),
 * using both Box-Muller outputs of each pair, so index b's value depends only on (seed, stream, a, b).
 */
export function fillGaussians(out: Float64Array, seed: number, stream: number, a: number, first: number, n: number): void {
  const prefix = hashPrefix(seed, stream, a);
  const end = first + n;
  // One Box-Muller per pair (2p, 2p+1); pairs cut by the range ends only write their inside half.
  for (let pair = first >>> 1; 2 * pair < end; pair++) {
    const u1 = hashToUniform(hashFinal(prefix, 2 * pair));
    const u2 = hashToUniform(hashFinal(prefix, 2 * pair + 1));
    const r = Math.sqrt(-2 * Math.log(u1));
    const ang = 2 * Math.PI * u2;
    const b0 = 2 * pair;
    if (b0 >= first) out[b0 - first] = r * Math.cos(ang);
    if (b0 + 1 < end) out[b0 + 1 - first] = r * Math.sin(ang);
  }
}

/** A sequential stream (for unit parameters and spike trains): value k is hash(seed, stream, key, k). */
export class CounterRng {
  private counter = 0;
  constructor(private readonly seed: number, private readonly stream: number, private readonly key = 0) {}

  uniform(): number {
    return hashToUniform(hash4(this.seed, this.stream, this.key, this.counter++));
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  normal(): number {
    const u1 = this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  exponential(mean: number): number {
    return -mean * Math.log(this.uniform());
  }
}

/**
 * Standard normal quantiles at (i + 0.5) / 65536, rescaled to unit variance: a 16-bit hash indexes it,
 * which is ~25× faster than Box-Muller and indistinguishable from Gaussian noise for spike sorting
 * (tails are cut at ±4.3σ, where 1 sample in 65536 would lie beyond).
 */
const NORMAL_TABLE: Float32Array = (() => {
  const n = 65536;
  const t = new Float32Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    t[i] = normalQuantile((i + 0.5) / n);
    ss += t[i] * t[i];
  }
  const s = 1 / Math.sqrt(ss / n);
  for (let i = 0; i < n; i++) t[i] *= s;
  return t;
})();

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - plow) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Like fillGaussians (value at index b depends only on (seed, stream, a, b)) but from NORMAL_TABLE:
 * one hash gives the values of indices 2p and 2p+1.
 */
export function fillNoise(out: Float64Array, seed: number, stream: number, a: number, first: number, n: number): void {
  const prefix = hashPrefix(seed, stream, a);
  const end = first + n;
  let b = first;
  if (b & 1) {
    out[0] = NORMAL_TABLE[hashFinal(prefix, b >>> 1) >>> 16];
    b++;
  }
  for (; b + 1 < end; b += 2) {
    const h = hashFinal(prefix, b >>> 1);
    out[b - first] = NORMAL_TABLE[h & 0xffff];
    out[b + 1 - first] = NORMAL_TABLE[h >>> 16];
  }
  if (b < end) out[b - first] = NORMAL_TABLE[hashFinal(prefix, b >>> 1) & 0xffff];
}
