/**
 * Unit and dtype conversions and per-channel normalisation: scaleToUv, astype, zscore, and the
 * per-channel noise level (MAD / 0.6745) that detection thresholds are expressed in.
 */
import { DType, NumericArray, allocArray, isFloatDType } from '../core/dtypes.js';
import { Recording } from '../core/recording.js';
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { medianInPlace } from '../kernels/median.js';
import { preprocessedInit, specWithParent } from './base.js';
import { RandomChunkOptions, randomChunkTraces } from './randomchunks.js';

/** MAD of Gaussian noise is σ × 0.6745 (the standard normal's 75th percentile). */
export const MAD_TO_SIGMA = 0.6744897501960817;

/** Float32 µV traces (raw × gain + offset) with gains 1 and offsets 0. */
export class ScaleToUvRecording extends Recording {
  constructor(readonly parent: Recording) {
    super(preprocessedInit(parent));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    return this.parent.getTraces({ segment, start, end, channels, scaled: true }) as Float32Array;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'ScaleToUvRecording', this.parent, {});
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<ScaleToUvRecording> {
    return new ScaleToUvRecording(await load((args as { parent: RecordingSpec }).parent));
  }
}

export function scaleToUv(rec: Recording): Recording {
  return new ScaleToUvRecording(rec);
}

/** Raw values cast to another dtype (gains and offsets kept); integers are rounded and clipped. */
export class AstypeRecording extends Recording {
  constructor(readonly parent: Recording, readonly targetDType: DType) {
    super(parent.baseInit({ dtype: targetDType }));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const raw = this.parent.getTraces({ segment, start, end, channels });
    const out = allocArray(this.targetDType, raw.length);
    if (isFloatDType(this.targetDType)) {
      out.set(raw);
      return out;
    }
    const [lo, hi] = INT_RANGE[this.targetDType];
    for (let i = 0; i < raw.length; i++) out[i] = Math.min(hi, Math.max(lo, Math.round(raw[i])));
    return out;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'AstypeRecording', this.parent, { dtype: this.targetDType });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<AstypeRecording> {
    const a = args as { parent: RecordingSpec; dtype: DType };
    return new AstypeRecording(await load(a.parent), a.dtype);
  }
}

const INT_RANGE: Record<DType, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295], float32: [-Infinity, Infinity], float64: [-Infinity, Infinity],
};

export function astype(rec: Recording, dtype: DType): Recording {
  return new AstypeRecording(rec, dtype);
}

/** Per-channel median and MAD of time-major data (numSamples × numChannels). */
export function channelMedianMad(x: Float32Array, numChannels: number): { median: Float64Array; mad: Float64Array } {
  const nt = x.length / numChannels;
  const col = new Float32Array(nt);
  const median = new Float64Array(numChannels);
  const mad = new Float64Array(numChannels);
  for (let c = 0; c < numChannels; c++) {
    for (let t = 0; t < nt; t++) col[t] = x[t * numChannels + c];
    const m = medianInPlace(col, nt);
    for (let t = 0; t < nt; t++) col[t] = Math.abs(x[t * numChannels + c] - m);
    median[c] = m;
    mad[c] = medianInPlace(col, nt);
  }
  return { median, mad };
}

/**
 * Per-channel noise level in µV: median absolute deviation from the median / 0.6745, estimated on
 * random chunks (robust to spikes, equal to σ for Gaussian noise). Run it on filtered data.
 */
export function noiseLevels(rec: Recording, opts: RandomChunkOptions = {}): Float64Array {
  const { traces } = randomChunkTraces(rec, opts);
  const { mad } = channelMedianMad(traces, rec.numChannels);
  return mad.map((v) => v / MAD_TO_SIGMA);
}

export interface ZscoreOptions extends RandomChunkOptions {
  /** 'median+mad' (robust, default) or 'mean+std'. */
  mode?: 'median+mad' | 'mean+std';
}

/** (x − centre) / scale per channel, with centre and scale estimated once on random chunks. */
export class ZscoreRecording extends Recording {
  constructor(readonly parent: Recording, readonly center: Float64Array, readonly scale: Float64Array) {
    super(preprocessedInit(parent));
    if (center.length !== parent.numChannels || scale.length !== parent.numChannels) {
      throw new Error(`zscore: need one centre and scale per channel (${parent.numChannels})`);
    }
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    const x = this.parent.getTraces({ segment, start, end, channels, scaled: true }) as Float32Array;
    const nc = channels.length;
    const c0 = Float64Array.from(channels, (c) => this.center[c]);
    const inv = Float64Array.from(channels, (c) => 1 / this.scale[c]);
    for (let i = 0; i < x.length; i++) {
      const j = i % nc;
      x[i] = (x[i] - c0[j]) * inv[j];
    }
    return x;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'ZscoreRecording', this.parent, { center: this.center, scale: this.scale });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<ZscoreRecording> {
    const a = args as { parent: RecordingSpec; center: Float64Array; scale: Float64Array };
    return new ZscoreRecording(await load(a.parent), a.center, a.scale);
  }
}

export function zscore(rec: Recording, opts: ZscoreOptions = {}): ZscoreRecording {
  const nc = rec.numChannels;
  const { traces, numSamples } = randomChunkTraces(rec, opts);
  let center: Float64Array;
  let scale: Float64Array;
  if ((opts.mode ?? 'median+mad') === 'median+mad') {
    const mm = channelMedianMad(traces, nc);
    center = mm.median;
    scale = mm.mad.map((v) => v / MAD_TO_SIGMA);
  } else {
    center = new Float64Array(nc);
    scale = new Float64Array(nc);
    for (let i = 0; i < traces.length; i++) center[i % nc] += traces[i];
    center = center.map((v) => v / numSamples);
    for (let i = 0; i < traces.length; i++) scale[i % nc] += (traces[i] - center[i % nc]) ** 2;
    scale = scale.map((v) => Math.sqrt(v / numSamples));
  }
  scale.forEach((s, c) => {
    if (!(s > 0)) throw new Error(`zscore: channel '${rec.channelIds[c]}' is flat (zero spread) on the sampled chunks; remove it first (detectBadChannels / removeBadChannels)`);
  });
  return new ZscoreRecording(rec, center, scale);
}
