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

/** A lazy recording whose traces are interpolated, block by block, to the registered geometry. */
export class InterpolateMotionRecording extends Recording {
  private readonly o: Resolved;
  private readonly plans: ShankPlan[];
  private readonly shankOf: Int32Array;
  /** Row of each channel in its shank's plan. */
  private readonly rowInShank: Int32Array;
  private readonly cache = new Map<string, SparseMixing>();

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

  /** Mixing of shank k for time block b of a segment. */
  private mixing(segment: number, k: number, block: number): SparseMixing {
    const key = `${segment}:${k}:${block}`;
    let m = this.cache.get(key);
    if (m) return m;
    const plan = this.plans[k];
    const t = this.getTimes(segment, 0, 1)[0] + (block + 0.5) * this.o.blockS;
    const dst = Float64Array.from(plan.pos);
    for (let i = 0; i < plan.channels.length; i++) dst[2 * i + 1] += displacementAt(this.motion, k, segment, t, plan.pos[2 * i + 1]);
    m = krigingMixing(plan.pos, dst, plan.inv, this.o.sigmaUm, this.o.p);
    if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, m);
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
    for (let b = firstBlock; b <= lastBlock; b++) {
      const t0 = Math.max(start, Math.ceil(b * blockSamples));
      const t1 = Math.min(end, Math.ceil((b + 1) * blockSamples));
      channels.forEach((c, j) => {
        const k = this.shankOf[c];
        if (k < 0) {
          // A channel of a shank the motion does not describe passes through unchanged.
          for (let t = t0; t < t1; t++) out[(t - start) * nc + j] = x[(t - start) * n + c];
          return;
        }
        const plan = this.plans[k];
        const m = this.mixing(segment, k, b);
        const i = this.rowInShank[c];
        const q0 = m.offsets[i];
        const q1 = m.offsets[i + 1];
        for (let t = t0; t < t1; t++) {
          const row = (t - start) * n;
          let s = 0;
          for (let q = q0; q < q1; q++) s += m.weight[q] * x[row + plan.channels[m.source[q]]];
          out[(t - start) * nc + j] = s;
        }
      });
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
