/**
 * ZCA whitening: y = x · W with W = C^(-1/2) (regularised), so noise becomes uncorrelated with unit
 * variance across channels. 'global' uses one covariance of all channels; 'local' (Kilosort-style)
 * whitens each channel against its neighbours within radiusUm, which keeps W sparse and is robust on
 * long probes. The covariance is taken about zero (the data are expected to be high-passed), on random
 * chunks; W is what Phy's whitening_mat.npy holds.
 */
import { Recording } from '../core/recording.js';
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { getKernels } from '../kernels/registry.js';
import { eigenFunction, symmetricEigen } from '../kernels/linalg.js';
import { preprocessedInit, specWithParent, allChannels } from './base.js';
import { RandomChunkOptions, randomChunkTraces } from './randomchunks.js';
import { MAD_TO_SIGMA, channelMedianMad } from './scale.js';

export interface WhiteningOptions extends RandomChunkOptions {
  mode?: 'global' | 'local';
  /** Neighbourhood radius for 'local' (µm, default 100). */
  radiusUm?: number;
  /** Eigenvalues are floored by adding regularization × their mean (default 1e-4), so flat directions stay finite. */
  regularization?: number;
  /** Robust covariance: leave out time steps where any channel exceeds spikeThreshold × its noise level. */
  excludeSpikes?: boolean;
  /** Default 5 (× MAD noise). */
  spikeThreshold?: number;
}

/** Covariance (about zero, float64, n × n) of time-major data, optionally without the spike-bearing rows. */
export function traceCovariance(x: Float32Array, nc: number, excludeAboveSigma?: number): { cov: Float64Array; rowsUsed: number } {
  let data = x;
  if (excludeAboveSigma !== undefined) {
    const { mad } = channelMedianMad(x, nc);
    const limit = Float64Array.from(mad, (m) => (excludeAboveSigma * m) / MAD_TO_SIGMA);
    const nt = x.length / nc;
    const keep: number[] = [];
    for (let t = 0; t < nt; t++) {
      let quiet = true;
      for (let c = 0; c < nc && quiet; c++) quiet = Math.abs(x[t * nc + c]) <= limit[c];
      if (quiet) keep.push(t);
    }
    // Too few quiet rows for a well-estimated covariance: keep everything rather than fail.
    if (keep.length >= 10 * nc) {
      data = new Float32Array(keep.length * nc);
      keep.forEach((t, i) => data.set(x.subarray(t * nc, (t + 1) * nc), i * nc));
    }
  }
  const rows = data.length / nc;
  const cov = new Float64Array(nc * nc);
  getKernels().accumulateCovariance(data, nc, cov);
  for (let i = 0; i < cov.length; i++) cov[i] /= rows;
  return { cov, rowsUsed: rows };
}

/** C^(-1/2) with eigenvalues λ replaced by λ + regularization · mean(λ). */
export function inverseSqrtRegularized(cov: ArrayLike<number>, n: number, regularization: number): Float64Array {
  const e = symmetricEigen(cov, n);
  const mean = e.values.reduce((a, b) => a + b, 0) / n;
  const eps = regularization * Math.max(mean, 0);
  return eigenFunction(e, (l) => {
    const v = Math.max(l, 0) + eps;
    return v > 0 ? 1 / Math.sqrt(v) : 0;
  });
}

/** The n × n whitening matrix W (row-major float32, y = x · W). */
export function computeWhiteningMatrix(rec: Recording, opts: WhiteningOptions = {}): Float32Array {
  const n = rec.numChannels;
  const reg = opts.regularization ?? 1e-4;
  if (!(reg >= 0)) throw new Error(`whitening regularization must be ≥ 0, got ${reg}`);
  const { traces } = randomChunkTraces(rec, opts);
  const { cov } = traceCovariance(traces, n, opts.excludeSpikes ? (opts.spikeThreshold ?? 5) : undefined);
  const W = new Float32Array(n * n);
  if ((opts.mode ?? 'global') === 'global') {
    W.set(inverseSqrtRegularized(cov, n, reg));
    return W;
  }
  const radius = opts.radiusUm ?? 100;
  const loc = rec.getChannelLocations();
  for (let c = 0; c < n; c++) {
    const inds: number[] = [];
    for (let o = 0; o < n; o++) {
      if (Math.hypot(loc[2 * o] - loc[2 * c], loc[2 * o + 1] - loc[2 * c + 1]) <= radius) inds.push(o);
    }
    const k = inds.length;
    const sub = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sub[i * k + j] = cov[inds[i] * n + inds[j]];
    const wl = inverseSqrtRegularized(sub, k, reg);
    const me = inds.indexOf(c);
    // Column c of W: how every neighbour contributes to whitened channel c.
    for (let i = 0; i < k; i++) W[inds[i] * n + c] = wl[me * k + i];
  }
  return W;
}

export class WhitenRecording extends Recording {
  /** For each output channel, its non-zero inputs, when W is sparse enough for that to be cheaper. */
  private readonly sparse: { inputs: Int32Array; weights: Float32Array }[] | null;

  constructor(readonly parent: Recording, readonly matrix: Float32Array) {
    super(preprocessedInit(parent));
    const n = parent.numChannels;
    if (matrix.length !== n * n) throw new Error(`whitening matrix has ${matrix.length} values, expected ${n} × ${n} = ${n * n}`);
    let nnz = 0;
    for (const v of matrix) if (v !== 0) nnz++;
    this.sparse = nnz < 0.25 * n * n ? columnsOf(matrix, n) : null;
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    const n = this.parent.numChannels;
    const nc = channels.length;
    const nt = end - start;
    const x = this.parent.getTraces({ segment, start, end, channels: allChannels(n), scaled: true }) as Float32Array;
    const out = new Float32Array(nt * nc);
    if (this.sparse) {
      channels.forEach((c, j) => {
        const { inputs, weights } = this.sparse![c];
        for (let t = 0; t < nt; t++) {
          let s = 0;
          for (let i = 0; i < inputs.length; i++) s += x[t * n + inputs[i]] * weights[i];
          out[t * nc + j] = s;
        }
      });
      return out;
    }
    const w = new Float32Array(n * nc);
    for (let i = 0; i < n; i++) channels.forEach((c, j) => (w[i * nc + j] = this.matrix[i * n + c]));
    getKernels().gemm(false, false, nt, nc, n, 1, x, n, w, nc, 0, out, nc);
    return out;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'WhitenRecording', this.parent, { matrix: this.matrix });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<WhitenRecording> {
    const a = args as { parent: RecordingSpec; matrix: Float32Array };
    return new WhitenRecording(await load(a.parent), a.matrix);
  }
}

function columnsOf(W: Float32Array, n: number): { inputs: Int32Array; weights: Float32Array }[] {
  return Array.from({ length: n }, (_, c) => {
    const inputs: number[] = [];
    for (let i = 0; i < n; i++) if (W[i * n + c] !== 0) inputs.push(i);
    return { inputs: Int32Array.from(inputs), weights: Float32Array.from(inputs, (i) => W[i * n + c]) };
  });
}

/** Whitened recording, from a given matrix or one computed with the options. */
export function whiten(rec: Recording, opts: WhiteningOptions & { matrix?: Float32Array } = {}): WhitenRecording {
  return new WhitenRecording(rec, opts.matrix ?? computeWhiteningMatrix(rec, opts));
}
