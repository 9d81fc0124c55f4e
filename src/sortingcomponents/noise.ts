/**
 * Per-channel noise level from the median absolute deviation of random chunks: robust to spikes,
 * which occupy a small fraction of samples. Medians come from quickselect (linear time), not sorts, and
 * on int16 recordings from per-channel histograms of the integer steps (exact, and several times
 * faster): the noise pass runs on every 384-channel sort and must cost a fraction of a second.
 */
import type { Recording } from '../core/recording.js';
import { seededRandom } from './random.js';
import { quickselect } from '../kernels/median.js';
import { getKernels } from '../kernels/registry.js';
import { rawScratchReader } from './traces.js';

export interface NoiseOptions {
  numChunks: number;
  chunkSamples: number;
  seed?: number;
}

export function estimateNoiseMad(rec: Recording, opts: NoiseOptions): Float32Array {
  const nc = rec.numChannels;
  const rand = seededRandom(opts.seed ?? 1);
  // MAD per chunk, then the median over chunks.
  const perChunk = Array.from({ length: nc }, () => new Float64Array(opts.numChunks));
  // int16 recordings (the sorter's trace cache, most raw files): exact medians from histograms of the
  // integer steps, ~10× faster than selecting among float copies.
  if (rec.dtype === 'int16') {
    const hist = new Int16MadHistogram(nc);
    const scratchRead = rawScratchReader(rec);
    for (let k = 0; k < opts.numChunks; k++) {
      const { seg, start, len } = drawChunk(rec, opts.chunkSamples, rand);
      // The file reader's reused buffer when it has one: 23 MB of fresh memory per 384-channel chunk cost
      // more in page faults than the histograms themselves.
      const raw = scratchRead?.(seg, start, start + len) ?? rec.getTraces({ segment: seg, start, end: start + len, scaled: false });
      if (!(raw instanceof Int16Array)) throw new Error(`estimateNoiseMad: an int16 recording returned ${raw.constructor.name} traces`);
      hist.madSteps(raw, len).forEach((m, c) => (perChunk[c][k] = (m * Math.abs(rec.gains[c])) / MAD_TO_SD));
    }
    return Float32Array.from(perChunk, (v) => (v.length ? kthSmallest(v, v.length >> 1) : 0));
  }
  // One kernel call per chunk: it transposes the channels and selects each channel's MAD exactly (the
  // values madSigmaInPlace gives a column), without a JS copy of every column into float64 first.
  const kernels = getKernels();
  const medianMad = new Float64Array(2 * nc);
  for (let k = 0; k < opts.numChunks; k++) {
    const { seg, start, len } = drawChunk(rec, opts.chunkSamples, rand);
    const tr = rec.getTraces({ segment: seg, start, end: start + len, scaled: true }) as Float32Array;
    kernels.channelMedianAndMad(tr, nc, medianMad);
    for (let c = 0; c < nc; c++) perChunk[c][k] = medianMad[2 * c + 1] / MAD_TO_SD;
  }
  return Float32Array.from(perChunk, (v) => (v.length ? kthSmallest(v, v.length >> 1) : 0));
}

/** One random chunk: a segment, then a start within it (the order of the draws fixes the chunks for a seed). */
function drawChunk(rec: Recording, chunkSamples: number, rand: () => number): { seg: number; start: number; len: number } {
  const seg = Math.floor(rand() * rec.numSegments);
  const ns = rec.getNumSamples(seg);
  const len = Math.min(ns, chunkSamples);
  const start = Math.floor(rand() * (ns - len + 1));
  return { seg, start, len };
}

/** MAD of Gaussian noise / its standard deviation. */
const MAD_TO_SD = 0.6744897501960817;

/**
 * Per-channel median absolute deviation, in int16 steps, of time-major int16 blocks: the kernels'
 * histogram MADs (exact, see kernels/int16mad.ts), and for a channel whose median or MAD reaches past
 * the histograms (a saturated or offset channel), selection from a copy.
 */
export class Int16MadHistogram {
  constructor(readonly numChannels: number) {}

  /** MAD in steps per channel of the first `numSamples` rows of `raw`. */
  madSteps(raw: Int16Array, numSamples: number): Float64Array {
    const nc = this.numChannels;
    if (raw.length < numSamples * nc) throw new Error(`Int16MadHistogram: ${raw.length} values cannot hold ${numSamples} rows of ${nc} channels`);
    const out = new Float64Array(nc);
    getKernels().int16MadSteps(raw, numSamples, nc, out);
    for (let c = 0; c < nc; c++) if (out[c] < 0) out[c] = madStepsBySelection(raw, numSamples, nc, c);
    return out;
  }
}

function madStepsBySelection(raw: Int16Array, numSamples: number, nc: number, c: number): number {
  const col = new Float64Array(numSamples);
  for (let t = 0; t < numSamples; t++) col[t] = raw[t * nc + c];
  return madInPlace(col);
}

/** MAD / 0.6745: the standard deviation of Gaussian noise, unaffected by a few large spikes. */
export function madSigma(v: ArrayLike<number>): number {
  return madSigmaInPlace(Float64Array.from(v));
}

/** madSigma of a scratch array that it may reorder and overwrite. */
export function madSigmaInPlace(a: Float64Array): number {
  return madInPlace(a) / MAD_TO_SD;
}

/**
 * Median absolute deviation (medians at index n >> 1) of a scratch array that it may overwrite; 0 when
 * empty. The kernels' exact MAD (bucketed selection, kernels/mad.ts): these MADs cover millions of values.
 */
function madInPlace(a: Float64Array): number {
  return getKernels().medianAbsoluteDeviation(a);
}

/**
 * The k-th smallest value (0-based) as a sorted copy would hold it at index k, NaN sorting last as
 * typed-array sort does; partially reorders `a`.
 */
export function kthSmallest(a: Float64Array, k: number): number {
  let nans = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) nans++;
  if (nans) {
    // Rare (corrupt samples): keep the sort's exact semantics rather than special-casing NaN below.
    a.sort();
    return a[k];
  }
  return a.length >= BAND_MIN_LENGTH && a.length <= BAND_MAX_LENGTH ? selectInBand(a, k) : quickselect(a, a.length, k);
}

/** Below this length a plain quickselect is as fast as narrowing first. */
const BAND_MIN_LENGTH = 1 << 15;
/** Above this the kept scratch (8 bytes a value) would cost more memory than the speed is worth. */
const BAND_MAX_LENGTH = 1 << 22;
/** Values sampled (evenly strided) to bracket the k-th smallest. */
const BAND_SAMPLES = 4096;
/** Half-width of the bracket in sample ranks: ±6 sd of a sample quantile's rank (sd ≤ √(s/4) = 32). */
const BAND_HALF_RANKS = 192;

/**
 * The k-th smallest of a NaN-free array by selecting only among the values inside a bracket [lo, hi]
 * estimated from a strided sample: one counting pass, then quickselect on a few percent of the values.
 * Exact: when the counts show the k-th value is not inside the bracket, the whole array is selected.
 * The MADs of the sorter's noise passes select among millions of values, twice per channel.
 */
function selectInBand(a: Float64Array, k: number): number {
  const n = a.length;
  const step = n / BAND_SAMPLES;
  const sample = new Float64Array(BAND_SAMPLES);
  for (let i = 0; i < BAND_SAMPLES; i++) sample[i] = a[Math.floor(i * step)];
  const r = Math.round((k / n) * BAND_SAMPLES);
  const rHi = r + BAND_HALF_RANKS;
  const rLo = r - BAND_HALF_RANKS;
  // Two selections in the sample (the second among the values the first left below rHi), not a sort.
  const bounded = rHi < BAND_SAMPLES - 1;
  const hi = bounded ? quickselect(sample, BAND_SAMPLES, rHi) : Infinity;
  const lo = rLo <= 0 ? -Infinity : quickselect(sample, bounded ? rHi : BAND_SAMPLES, rLo);
  const band = bandScratch(n);
  let below = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v < lo) below++;
    else if (v <= hi) band[m++] = v;
  }
  if (k < below || k >= below + m) return quickselect(a, n, k);
  return quickselect(band, m, k - below);
}

let bandBuffer = new Float64Array(0);

/** A reused scratch for the bracketed values. */
function bandScratch(n: number): Float64Array {
  if (bandBuffer.length < n) bandBuffer = new Float64Array(n);
  return bandBuffer;
}
