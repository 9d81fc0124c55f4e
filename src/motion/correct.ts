/**
 * Motion correction.
 *
 * Design note — why trace interpolation (kriging) is the default:
 * The sorter detects, clusters and template-matches on traces. Moving only features (peak positions,
 * shiftPositions below) registers clustering, but a drifted unit's waveform still changes shape on
 * the fixed channels, so one template per unit cannot match it across the recording and the unit is
 * split or lost. Interpolating the traces to a registered geometry (Kilosort4's datashift: Gaussian
 * kernel regression M = K(y, x) (K(x, x) + 0.01 I)⁻¹ with σ = 20 µm) makes every downstream stage see
 * a stationary recording, with no change to them; the cost is one sparse channel-mixing matrix per
 * time block. Feature shifting stays available for analyses that only need positions (drift maps,
 * localization-based clustering), and for probes too sparse to interpolate (tetrodes).
 * Limits: signal that drifts beyond the end contacts cannot be recreated (those channels fade toward
 * zero), and the interpolation slightly low-passes the spatial footprint (sub-σ detail).
 *
 * Convention: tissue at registered depth y is observed at y + d(t, y). The corrected channel at
 * position p therefore reads the original traces interpolated at p + d(t, p).
 */
import { Recording } from '../core/recording.js';
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { eigenFunction, symmetricEigen } from '../kernels/linalg.js';
import { getKernels } from '../kernels/registry.js';
import { allChannels, preprocessedInit, specWithParent } from '../preprocessing/base.js';
import { Motion, channelsPerShank, displacementAt, validateMotion } from './motion.js';

export interface CorrectMotionOptions {
  method?: 'kriging';
  /** Kernel length (µm): k(d) = exp(−½ (d/σ)^p). Default 20 (Kilosort4's sig_interp). */
  sigmaUm?: number;
  /** Kernel exponent: 2 = Gaussian (Kilosort4), 1 = exponential. Default 2. */
  p?: number;
  /** Ridge added to K(x, x) before inversion. Default 0.01 (Kilosort4). */
  regularization?: number;
  /** The displacement is held constant over blocks of this length (s). Default 0.25. */
  blockS?: number;
}

type Resolved = Required<CorrectMotionOptions>;

function resolve(o: CorrectMotionOptions): Resolved {
  const r: Resolved = { method: o.method ?? 'kriging', sigmaUm: o.sigmaUm ?? 20, p: o.p ?? 2, regularization: o.regularization ?? 0.01, blockS: o.blockS ?? 0.25 };
  if (r.method !== 'kriging') throw new Error(`correctMotion: unknown method '${String(r.method)}'; use 'kriging'`);
  for (const k of ['sigmaUm', 'p', 'blockS'] as const) if (!(r[k] > 0)) throw new Error(`correctMotion: ${k} must be positive, got ${r[k]}`);
  if (!(r.regularization >= 0)) throw new Error(`correctMotion: regularization must be ≥ 0, got ${r.regularization}`);
  return r;
}

/** Sparse rows: output channel i = Σ_q weight[q] · input[source[q]], q in [offsets[i], offsets[i+1]). */
export interface SparseMixing {
  offsets: Int32Array;
  source: Int32Array;
  weight: Float32Array;
}

/**
 * Kriging weights from traces at `src` positions (x, y pairs) to `dst` positions, given the inverse
 * (K(src, src) + reg I)⁻¹. Entries below 1e-4 of a row's largest are dropped.
 */
export function krigingMixing(src: Float64Array, dst: Float64Array, inv: Float64Array, sigmaUm: number, p: number): SparseMixing {
  const ns = src.length / 2;
  const nd = dst.length / 2;
  const offsets = new Int32Array(nd + 1);
  const source: number[] = [];
  const weight: number[] = [];
  const kyx = new Float64Array(ns);
  const row = new Float64Array(ns);
  for (let i = 0; i < nd; i++) {
    for (let j = 0; j < ns; j++) kyx[j] = kernel(Math.hypot(dst[2 * i] - src[2 * j], dst[2 * i + 1] - src[2 * j + 1]), sigmaUm, p);
    row.fill(0);
    let big = 0;
    for (let j = 0; j < ns; j++) {
      const k = kyx[j];
      if (k < 1e-8) continue;
      for (let m = 0; m < ns; m++) row[m] += k * inv[j * ns + m];
    }
    for (let m = 0; m < ns; m++) big = Math.max(big, Math.abs(row[m]));
    for (let m = 0; m < ns; m++) {
      if (Math.abs(row[m]) > 1e-4 * big) {
        source.push(m);
        weight.push(row[m]);
      }
    }
    offsets[i + 1] = source.length;
  }
  return { offsets, source: Int32Array.from(source), weight: Float32Array.from(weight) };
}

function kernel(d: number, sigma: number, p: number): number {
  return Math.exp(-0.5 * Math.pow(d / sigma, p));
}

/** (K(x, x) + reg I)⁻¹ for positions x (x, y pairs). */
export function krigingInverse(pos: Float64Array, sigmaUm: number, p: number, regularization: number): Float64Array {
  const n = pos.length / 2;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = kernel(Math.hypot(pos[2 * i] - pos[2 * j], pos[2 * i + 1] - pos[2 * j + 1]), sigmaUm, p);
  return eigenFunction(symmetricEigen(K, n), (l) => 1 / (Math.max(l, 0) + regularization));
}

interface ShankPlan {
  channels: Int32Array;
  /** x, y of the shank's channels. */
  pos: Float64Array;
  inv: Float64Array;
}

/**
 * Bytes of block mixings an InterpolateMotionRecording keeps: every pass reads the blocks in time order,
 * so a cache this size keeps the mixings of all blocks a read spans (a 384-channel block mixing of about
 * 30 terms per channel takes ~90 KB, so 700 blocks ≈ 3 minutes of blocks) without growing with the recording.
 */
const MIXING_CACHE_BYTES = 64 << 20;

/** A lazy recording whose traces are interpolated, block by block, to the registered geometry. */
export class InterpolateMotionRecording extends Recording {
  private readonly o: Resolved;
  private readonly plans: ShankPlan[];
  private readonly shankOf: Int32Array;
  /** Row of each channel in its shank's plan. */
  private readonly rowInShank: Int32Array;
  /** Whole-recording mixings per `${segment}:${block}`, oldest first (Map order), with their total bytes. */
  private readonly cache = new Map<string, SparseMixing>();
  private cacheBytes = 0;

  constructor(readonly parent: Recording, readonly motion: Motion, opts: CorrectMotionOptions = {}) {
    super(preprocessedInit(parent));
    this.o = resolve(opts);
    validateMotion(motion);
    if (motion.temporalBinsS.length !== parent.numSegments) {
      throw new Error(`correctMotion: the motion has ${motion.temporalBinsS.length} segment(s), the recording ${parent.numSegments}; estimate the motion on this recording`);
    }
    const loc = parent.getChannelLocations();
    const perShank = channelsPerShank(parent, motion);
    this.shankOf = new Int32Array(parent.numChannels).fill(-1);
    this.rowInShank = new Int32Array(parent.numChannels).fill(-1);
    this.plans = perShank.map((channels, k) => {
      channels.forEach((c, i) => {
        this.shankOf[c] = k;
        this.rowInShank[c] = i;
      });
      const pos = new Float64Array(channels.length * 2);
      channels.forEach((c, i) => {
        pos[2 * i] = loc[2 * c];
        pos[2 * i + 1] = loc[2 * c + 1];
      });
      return { channels, pos, inv: channels.length ? krigingInverse(pos, this.o.sigmaUm, this.o.p, this.o.regularization) : new Float64Array(0) };
    });
  }

  /** Mixing of shank k for time block b of a segment (rows and sources in the shank's own order). */
  private shankMixing(segment: number, k: number, block: number): SparseMixing {
    const plan = this.plans[k];
    const t = this.getTimes(segment, 0, 1)[0] + (block + 0.5) * this.o.blockS;
    const dst = Float64Array.from(plan.pos);
    for (let i = 0; i < plan.channels.length; i++) dst[2 * i + 1] += displacementAt(this.motion, k, segment, t, plan.pos[2 * i + 1]);
    return krigingMixing(plan.pos, dst, plan.inv, this.o.sigmaUm, this.o.p);
  }

  /**
   * The mixing of every channel of the recording for one time block, sources as recording channels: a
   * channel of a shank the motion does not describe passes through unchanged (weight 1, exact in float64).
   * Computed once per block while it stays in the byte-sized cache.
   */
  private blockMixing(segment: number, block: number): SparseMixing {
    const key = `${segment}:${block}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const shank = this.plans.map((plan, k) => (plan.channels.length ? this.shankMixing(segment, k, block) : null));
    const m = assembleMixing(this.parent.numChannels, this.shankOf, this.rowInShank, this.plans.map((p) => p.channels), shank);
    for (const [oldKey, old] of this.cache) {
      if (this.cacheBytes + mixingBytes(m) <= MIXING_CACHE_BYTES) break;
      this.cache.delete(oldKey);
      this.cacheBytes -= mixingBytes(old);
    }
    this.cache.set(key, m);
    this.cacheBytes += mixingBytes(m);
    return m;
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    const n = this.parent.numChannels;
    const nc = channels.length;
    const x = this.parent.getTraces({ segment, start, end, channels: allChannels(n), scaled: true }) as Float32Array;
    const out = new Float32Array((end - start) * nc);
    const blockSamples = this.o.blockS * this.samplingFrequency;
    const firstBlock = Math.floor(start / blockSamples);
    const lastBlock = Math.floor((end - 1) / blockSamples);
    const all = isAllChannels(channels, n);
    const kernels = getKernels();
    for (let b = firstBlock; b <= lastBlock; b++) {
      const t0 = Math.max(start, Math.ceil(b * blockSamples));
      const t1 = Math.min(end, Math.ceil((b + 1) * blockSamples));
      if (t1 <= t0) continue;
      const full = this.blockMixing(segment, b);
      const m = all ? full : selectRows(full, channels);
      kernels.sparseMix(x.subarray((t0 - start) * n, (t1 - start) * n), n, m.offsets, m.source, m.weight, out.subarray((t0 - start) * nc, (t1 - start) * nc));
    }
    return out;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'InterpolateMotionRecording', this.parent, { motion: this.motion, opts: this.o });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<InterpolateMotionRecording> {
    const a = args as { parent: RecordingSpec; motion: Motion; opts: CorrectMotionOptions };
    return new InterpolateMotionRecording(await load(a.parent), a.motion, a.opts);
  }
}

/**
 * One mixing over all `numChannels` channels from the per-shank mixings (rows and sources in each shank's
 * channel order): sources become recording channels; channels of no shank (shankOf −1) or of a shank
 * without a mixing pass through with weight 1.
 */
export function assembleMixing(
  numChannels: number, shankOf: Int32Array, rowInShank: Int32Array, shankChannels: Int32Array[], shank: (SparseMixing | null)[],
): SparseMixing {
  const offsets = new Int32Array(numChannels + 1);
  let terms = 0;
  for (let c = 0; c < numChannels; c++) {
    const m = shankOf[c] >= 0 ? shank[shankOf[c]] : null;
    terms += m ? m.offsets[rowInShank[c] + 1] - m.offsets[rowInShank[c]] : 1;
    offsets[c + 1] = terms;
  }
  const source = new Int32Array(terms);
  const weight = new Float32Array(terms);
  for (let c = 0; c < numChannels; c++) {
    const k = shankOf[c];
    const m = k >= 0 ? shank[k] : null;
    const at = offsets[c];
    if (!m) {
      source[at] = c;
      weight[at] = 1;
      continue;
    }
    const q0 = m.offsets[rowInShank[c]];
    const q1 = m.offsets[rowInShank[c] + 1];
    for (let q = q0; q < q1; q++) {
      source[at + q - q0] = shankChannels[k][m.source[q]];
      weight[at + q - q0] = m.weight[q];
    }
  }
  return { offsets, source, weight };
}

/** The rows of `m` for the given output channels, in their order. */
function selectRows(m: SparseMixing, channels: Int32Array): SparseMixing {
  const offsets = new Int32Array(channels.length + 1);
  for (let j = 0; j < channels.length; j++) offsets[j + 1] = offsets[j] + m.offsets[channels[j] + 1] - m.offsets[channels[j]];
  const total = offsets[channels.length];
  const source = new Int32Array(total);
  const weight = new Float32Array(total);
  for (let j = 0; j < channels.length; j++) {
    const q0 = m.offsets[channels[j]];
    const q1 = m.offsets[channels[j] + 1];
    source.set(m.source.subarray(q0, q1), offsets[j]);
    weight.set(m.weight.subarray(q0, q1), offsets[j]);
  }
  return { offsets, source, weight };
}

function isAllChannels(channels: Int32Array, n: number): boolean {
  if (channels.length !== n) return false;
  for (let c = 0; c < n; c++) if (channels[c] !== c) return false;
  return true;
}

function mixingBytes(m: SparseMixing): number {
  return m.offsets.byteLength + m.source.byteLength + m.weight.byteLength;
}

/** The recording interpolated to the registered geometry (lazy; see the design note above). */
export function correctMotion(recording: Recording, motion: Motion, opts: CorrectMotionOptions = {}): InterpolateMotionRecording {
  return new InterpolateMotionRecording(recording, motion, opts);
}

/**
 * The feature-based alternative: registered depths y − d(t, y) of localized peaks.
 * Fixed-point iteration, because d is a function of the registered depth for non-rigid motion.
 */
export function shiftPositions(
  peaks: { timeS: ArrayLike<number>; y: ArrayLike<number>; segment?: ArrayLike<number>; shank?: ArrayLike<number> },
  motion: Motion,
): Float64Array {
  const n = peaks.y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const seg = peaks.segment ? peaks.segment[i] : 0;
    const k = peaks.shank ? peaks.shank[i] : 0;
    let y = peaks.y[i];
    for (let it = 0; it < 3; it++) y = peaks.y[i] - displacementAt(motion, k, seg, peaks.timeS[i], y);
    out[i] = y;
  }
  return out;
}
