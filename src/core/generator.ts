/**
 * Deterministic ground-truth recordings for tests, the demo and benchmarks.
 *
 * generateGroundTruth(opts) draws units (location, waveform, rate, amplitude), their spike trains and
 * the drift, all from counter-based random streams keyed by the seed; the recording itself is lazy:
 * GeneratedRecording synthesises any [start, end) window on demand from (seed, sample, channel) and the
 * spike list, so memory stays bounded for 384 channels × hours, and every chunking gives identical values.
 * A GeneratedRecording travels to workers as its options (toSpec/fromSpec) and is rebuilt identically.
 */
import { DType, NumericArray } from './dtypes.js';
import { ProbeGroup, ProbeInit } from './probe.js';
import { Recording } from './recording.js';
import { Sorting } from './sorting.js';
import type { RecordingSpec } from './spec.js';
import { CounterRng, fillNoise, gaussianAt } from './generatorrandom.js';
import { GeneratorLayout, makeLayoutProbe } from './generatorprobes.js';
import { poissonTrain } from './generatortrains.js';
import { DriftModel, DriftOptions, TrueMotion } from './generatormotion.js';
import {
  DEFAULT_WAVEFORM_RANGES,
  SparseTemplate,
  WaveformParams,
  WaveformRanges,
  drawWaveformParams,
  sparseTemplateAt,
  templatePeak,
} from './generatortemplates.js';
import { lowerBound } from './search.js';

export interface GeneratorOptions {
  seed?: number;
  /** A probe, or a named layout with numChannels. Default: neuropixels-like, 32 channels. */
  probe?: ProbeGroup | null;
  layout?: GeneratorLayout;
  numChannels?: number;
  durationS?: number;
  samplingFrequency?: number;
  numUnits?: number;
  firingRateHz?: [number, number];
  refractoryMs?: number;
  /** Fraction of units that fire in bursts (2..4 spikes of decreasing amplitude). Default 0. */
  burstingFraction?: number;
  /** Peak amplitude range (µV) on the closest contact; ignored when snrRange is given. Default [50, 250]. */
  amplitudeUv?: [number, number];
  /** Peak amplitude as a multiple of the noise std. */
  snrRange?: [number, number] | null;
  /** Relative std of the per-spike amplitude factor. Default 0.05. */
  amplitudeJitter?: number;
  noiseStdUv?: number;
  /** Length (µm) of the exp(−d/λ) spatial noise correlation; 0 = independent channels. Default 0. */
  noiseSpatialLengthUm?: number;
  /** Std (µV) of white noise shared by every channel (reference or movement noise, what a common reference removes). Default 0. */
  commonNoiseStdUv?: number;
  /** 'int16' (raw = µV / gain) or 'float32' µV. Default int16. */
  dtype?: 'int16' | 'float32';
  /** µV per bit for int16 output. Default 0.195 (Intan/Neuropixels-like, as SpikeInterface). */
  gainUv?: number;
  msBefore?: number;
  msAfter?: number;
  /** Units sit at this distance range (µm) from the probe plane. Default [5, 40]. */
  unitDepthUm?: [number, number];
  /** Units are placed up to this far (µm) beyond the contacts. Default 20. */
  marginUm?: number;
  /** Minimum distance (µm) between units, when it can be met. Default 10. */
  minUnitDistanceUm?: number;
  waveform?: Partial<WaveformRanges>;
  drift?: DriftOptions;
  /** Sampling of the returned true motion. Defaults 10 Hz and 20 µm bins. */
  motionSamplingHz?: number;
  motionBinUm?: number;
}

export interface GeneratedUnit {
  location: [number, number, number];
  waveform: WaveformParams;
  rateHz: number;
  bursting: boolean;
  /** Peak amplitude (µV) at zero displacement. */
  amplitudeUv: number;
  /** Factor from the unit-gain spatial model to µV. */
  gain: number;
}

export interface GeneratedGroundTruth {
  recording: GeneratedRecording;
  sorting: Sorting;
  /** units × time × channels, µV, at zero displacement. */
  templates: Float32Array;
  templateShape: [number, number, number];
  nBefore: number;
  /** units × 3 (x, y, z µm). */
  unitLocations: Float64Array;
  /** Peak |template| on the peak channel / noise std. */
  snr: Float64Array;
  peakChannels: Int32Array;
  probe: ProbeGroup;
  /** Per-spike amplitude factor (jitter × burst decay), aligned with sorting.spikes. */
  spikeAmplitudeScale: Float32Array;
  /** True displacement, or null without drift. */
  motion: TrueMotion | null;
}

type Resolved = Required<Omit<GeneratorOptions, 'probe' | 'snrRange' | 'waveform' | 'drift'>> & {
  probe: ProbeGroup;
  snrRange: [number, number] | null;
  waveform: WaveformRanges;
  drift: DriftOptions;
};

// Independent random streams: changing one quantity never shifts another.
const STREAM_NOISE = 1;
const STREAM_UNIT = 2;
const STREAM_TRAIN = 3;
const STREAM_AMPLITUDE = 4;
const STREAM_COMMON_NOISE = 5;

function resolveOptions(o: GeneratorOptions): Resolved {
  const probe = o.probe ? ProbeGroup.revive(o.probe) : makeLayoutProbe({ layout: o.layout ?? 'neuropixels-like', numChannels: o.numChannels ?? 32 });
  const r: Resolved = {
    seed: o.seed ?? 0,
    probe,
    layout: o.layout ?? 'neuropixels-like',
    numChannels: probe.numContacts,
    durationS: o.durationS ?? 10,
    samplingFrequency: o.samplingFrequency ?? 30000,
    numUnits: o.numUnits ?? 10,
    firingRateHz: o.firingRateHz ?? [2, 10],
    refractoryMs: o.refractoryMs ?? 2,
    burstingFraction: o.burstingFraction ?? 0,
    amplitudeUv: o.amplitudeUv ?? [50, 250],
    snrRange: o.snrRange ?? null,
    amplitudeJitter: o.amplitudeJitter ?? 0.05,
    noiseStdUv: o.noiseStdUv ?? 5,
    noiseSpatialLengthUm: o.noiseSpatialLengthUm ?? 0,
    commonNoiseStdUv: o.commonNoiseStdUv ?? 0,
    dtype: o.dtype ?? 'int16',
    gainUv: o.gainUv ?? 0.195,
    msBefore: o.msBefore ?? 1,
    msAfter: o.msAfter ?? 2,
    unitDepthUm: o.unitDepthUm ?? [5, 40],
    marginUm: o.marginUm ?? 20,
    minUnitDistanceUm: o.minUnitDistanceUm ?? 10,
    waveform: { ...DEFAULT_WAVEFORM_RANGES, ...(o.waveform ?? {}) },
    drift: o.drift ?? { mode: 'none' },
    motionSamplingHz: o.motionSamplingHz ?? 10,
    motionBinUm: o.motionBinUm ?? 20,
  };
  const bad = (what: string, fix: string) => new Error(`generator: ${what}: ${fix}`);
  if (!Number.isInteger(r.seed) || r.seed < 0) throw bad(`seed ${r.seed}`, 'use a non-negative integer');
  if (!(r.durationS > 0)) throw bad(`durationS ${r.durationS}`, 'must be positive');
  if (!(r.samplingFrequency > 0)) throw bad(`samplingFrequency ${r.samplingFrequency}`, 'must be positive');
  if (!Number.isInteger(r.numUnits) || r.numUnits < 0) throw bad(`numUnits ${r.numUnits}`, 'use a non-negative integer');
  if (!(r.noiseStdUv >= 0)) throw bad(`noiseStdUv ${r.noiseStdUv}`, 'must be ≥ 0');
  if (!(r.commonNoiseStdUv >= 0)) throw bad(`commonNoiseStdUv ${r.commonNoiseStdUv}`, 'must be ≥ 0');
  if (!(r.gainUv > 0)) throw bad(`gainUv ${r.gainUv}`, 'must be positive');
  if (r.dtype !== 'int16' && r.dtype !== 'float32') throw bad(`dtype '${String(r.dtype)}'`, "use 'int16' or 'float32'");
  if (r.snrRange && !(r.noiseStdUv > 0)) throw bad('snrRange needs noise', 'set noiseStdUv > 0 or give amplitudeUv instead');
  for (const [name, v] of [['firingRateHz', r.firingRateHz], ['amplitudeUv', r.amplitudeUv], ['unitDepthUm', r.unitDepthUm]] as const) {
    if (!(v[0] >= 0 && v[1] >= v[0])) throw bad(`${name} [${v.join(', ')}]`, 'give [low, high] with 0 ≤ low ≤ high');
  }
  return r;
}

/** All the non-trace content of a synthetic recording, derived from the options alone. */
export class GeneratorModel {
  readonly units: GeneratedUnit[] = [];
  readonly sorting: Sorting;
  readonly spikeScale: Float32Array;
  readonly nBefore: number;
  readonly numTemplateSamples: number;
  readonly numSamples: number;
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  readonly drift: DriftModel;
  readonly noiseKernel: { offsets: Int32Array; neighbors: Int32Array; weights: Float64Array } | null;
  private readonly cache = new Map<string, SparseTemplate>();

  constructor(readonly o: Resolved) {
    const fs = o.samplingFrequency;
    const nc = o.numChannels;
    const geo = o.probe.channelGeometry(nc, 'generator probe');
    for (let c = 0; c < nc; c++) if (Number.isNaN(geo.x[c])) throw new Error(`generator: channel ${c} has no contact on the probe; wire every channel`);
    this.cx = geo.x;
    this.cy = geo.y;
    this.nBefore = Math.round((o.msBefore * fs) / 1000);
    this.numTemplateSamples = this.nBefore + Math.round((o.msAfter * fs) / 1000) + 1;
    this.numSamples = Math.round(o.durationS * fs);
    if (this.numSamples <= this.numTemplateSamples) throw new Error(`generator: durationS ${o.durationS} is shorter than one template`);
    const ys = Array.from(this.cy);
    this.drift = new DriftModel(o.drift, o.durationS, Math.min(...ys), Math.max(...ys));
    this.drawUnits();
    const trains = this.drawTrains();
    this.sorting = trains.sorting;
    this.spikeScale = trains.scale;
    this.noiseKernel = o.noiseSpatialLengthUm > 0 ? this.buildNoiseKernel(o.noiseSpatialLengthUm) : null;
  }

  private drawUnits(): void {
    const o = this.o;
    const xs = Array.from(this.cx);
    const ys = Array.from(this.cy);
    const box = [Math.min(...xs) - o.marginUm, Math.max(...xs) + o.marginUm, Math.min(...ys) - o.marginUm, Math.max(...ys) + o.marginUm];
    for (let u = 0; u < o.numUnits; u++) {
      const rng = new CounterRng(o.seed, STREAM_UNIT, u);
      let loc: [number, number, number] = [0, 0, 0];
      for (let attempt = 0; attempt < 50; attempt++) {
        loc = [rng.range(box[0], box[1]), rng.range(box[2], box[3]), rng.range(o.unitDepthUm[0], o.unitDepthUm[1])];
        const tooClose = this.units.some((v) => Math.hypot(v.location[0] - loc[0], v.location[1] - loc[1], v.location[2] - loc[2]) < o.minUnitDistanceUm);
        if (!tooClose) break;
      }
      const waveform = drawWaveformParams(rng, o.waveform);
      const rateHz = rng.range(o.firingRateHz[0], o.firingRateHz[1]);
      const bursting = rng.uniform() < o.burstingFraction;
      const amplitudeUv = o.snrRange ? rng.range(o.snrRange[0], o.snrRange[1]) * o.noiseStdUv : rng.range(o.amplitudeUv[0], o.amplitudeUv[1]);
      const unitPeak = templatePeak(sparseTemplateAt(loc, waveform, 1, this.cx, this.cy, this.nBefore, this.numTemplateSamples, o.samplingFrequency)).value;
      this.units.push({ location: loc, waveform, rateHz, bursting, amplitudeUv, gain: unitPeak > 0 ? amplitudeUv / unitPeak : 0 });
    }
  }

  private drawTrains(): { sorting: Sorting; scale: Float32Array } {
    const o = this.o;
    const trains = this.units.map((u, i) =>
      poissonTrain(new CounterRng(o.seed, STREAM_TRAIN, i), {
        rateHz: u.rateHz,
        refractoryMs: o.refractoryMs,
        samplingFrequency: o.samplingFrequency,
        firstSample: this.nBefore,
        endSample: this.numSamples - (this.numTemplateSamples - this.nBefore),
        maxBurstSpikes: u.bursting ? 4 : 0,
      }),
    );
    const sorting = Sorting.fromTrains([trains.map((t) => t.samples)], {
      samplingFrequency: o.samplingFrequency,
      unitIds: this.units.map((_, i) => String(i)),
      numSamples: [this.numSamples],
    });
    // Per-spike factor, in spike-vector order: each unit's k-th spike keeps its burst factor.
    const next = new Int32Array(this.units.length);
    const { unit } = sorting.spikes;
    const scale = new Float32Array(unit.length);
    for (let i = 0; i < unit.length; i++) {
      const u = unit[i];
      const k = next[u]++;
      scale[i] = trains[u].burstScale[k] * (1 + o.amplitudeJitter * gaussianAt(o.seed, STREAM_AMPLITUDE, u, k));
    }
    return { sorting, scale };
  }

  /** Local mixing kernel: channel c's noise = Σ_k w_ck z_k over contacts within 3λ, with Σ_k w_ck² = 1. */
  private buildNoiseKernel(lambda: number) {
    const nc = this.cx.length;
    const offsets = new Int32Array(nc + 1);
    const nb: number[] = [];
    const ws: number[] = [];
    for (let c = 0; c < nc; c++) {
      const row: number[] = [];
      for (let k = 0; k < nc; k++) {
        const d = Math.hypot(this.cx[c] - this.cx[k], this.cy[c] - this.cy[k]);
        if (d <= 3 * lambda) {
          nb.push(k);
          row.push(Math.exp(-d / lambda));
        }
      }
      const norm = Math.sqrt(row.reduce((s, w) => s + w * w, 0));
      for (const w of row) ws.push(w / norm);
      offsets[c + 1] = nb.length;
    }
    return { offsets, neighbors: Int32Array.from(nb), weights: Float64Array.from(ws) };
  }

  /** Template (µV, unit gain applied) of unit u displaced by `step` drift steps; cached. */
  template(u: number, step: number): SparseTemplate {
    const key = `${u}:${step}`;
    let t = this.cache.get(key);
    if (!t) {
      const unit = this.units[u];
      const loc: [number, number, number] = [unit.location[0], unit.location[1] + step * this.drift.stepUm, unit.location[2]];
      t = sparseTemplateAt(loc, unit.waveform, unit.gain, this.cx, this.cy, this.nBefore, this.numTemplateSamples, this.o.samplingFrequency);
      // Bounded cache: drift over hours visits many steps; recomputing one is cheap.
      if (this.cache.size >= 4096) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, t);
    }
    return t;
  }

  /** Drift step of unit u at sample s. */
  stepAt(u: number, sample: number): number {
    if (this.drift.mode === 'none') return 0;
    return this.drift.step(sample / this.o.samplingFrequency, this.units[u].location[1]);
  }

  /** µV of channels `chans` (sorted, unique) over [start, end), time-major, as float64. */
  synthesize(start: number, end: number, chans: Int32Array): Float64Array {
    const o = this.o;
    const nt = end - start;
    const nc = chans.length;
    const out = new Float64Array(nt * nc);
    this.addNoise(out, start, end, chans);
    const col = new Int32Array(this.cx.length).fill(-1);
    chans.forEach((c, j) => (col[c] = j));
    const { sample, unit } = this.sorting.spikes;
    const nAfter = this.numTemplateSamples - this.nBefore;
    // Spikes whose template overlaps the window, in spike-vector order (fixed summation order).
    let i = lowerBound(sample, start - nAfter + 1);
    for (; i < sample.length && sample[i] - this.nBefore < end; i++) {
      const u = unit[i];
      const t = this.template(u, this.stepAt(u, sample[i]));
      const a = this.spikeScale[i];
      const tc = t.channels.length;
      const t0 = sample[i] - this.nBefore;
      const k0 = Math.max(0, start - t0);
      const k1 = Math.min(this.numTemplateSamples, end - t0);
      for (let j = 0; j < tc; j++) {
        const oc = col[t.channels[j]];
        if (oc < 0) continue;
        for (let k = k0; k < k1; k++) out[(t0 + k - start) * nc + oc] += a * t.data[k * tc + j];
      }
    }
    return out;
  }

  private addNoise(out: Float64Array, start: number, end: number, chans: Int32Array): void {
    this.addCommonNoise(out, start, end, chans.length);
    const o = this.o;
    if (o.noiseStdUv === 0) return;
    const nc = chans.length;
    const kern = this.noiseKernel;
    // White-noise channels needed: the requested ones, or their kernel neighbours.
    let lo = chans[0];
    let hi = chans[nc - 1];
    if (kern) {
      for (const c of chans) {
        for (let q = kern.offsets[c]; q < kern.offsets[c + 1]; q++) {
          lo = Math.min(lo, kern.neighbors[q]);
          hi = Math.max(hi, kern.neighbors[q]);
        }
      }
    }
    const z = new Float64Array(hi - lo + 1);
    for (let t = start; t < end; t++) {
      fillNoise(z, o.seed, STREAM_NOISE, t, lo, z.length);
      const b = (t - start) * nc;
      for (let j = 0; j < nc; j++) {
        const c = chans[j];
        if (!kern) {
          out[b + j] += o.noiseStdUv * z[c - lo];
          continue;
        }
        let s = 0;
        for (let q = kern.offsets[c]; q < kern.offsets[c + 1]; q++) s += kern.weights[q] * z[kern.neighbors[q] - lo];
        out[b + j] += o.noiseStdUv * s;
      }
    }
  }

  /** The shared component: one value per sample from its own stream, added to every requested channel. */
  private addCommonNoise(out: Float64Array, start: number, end: number, nc: number): void {
    const sd = this.o.commonNoiseStdUv;
    if (sd === 0) return;
    const z = new Float64Array(1);
    for (let t = start; t < end; t++) {
      fillNoise(z, this.o.seed, STREAM_COMMON_NOISE, t, 0, 1);
      const v = sd * z[0];
      for (let j = 0, b = (t - start) * nc; j < nc; j++) out[b + j] += v;
    }
  }
}

/** Structured-cloneable options (the probe as plain data). */
function plainOptions(r: Resolved): GeneratorOptions {
  return { ...r, probe: { probes: r.probe.probes.map((p) => ({ ...p }) as ProbeInit) } as unknown as ProbeGroup };
}

/** A lazy synthetic recording: traces are computed from the model for each requested window. */
export class GeneratedRecording extends Recording {
  private readonly model: GeneratorModel;

  /** Use generateGroundTruth(); the constructor is public for fromSpec. */
  constructor(opts: GeneratorOptions) {
    const r = resolveOptions(opts);
    const model = new GeneratorModel(r);
    const nc = r.numChannels;
    const gain = r.dtype === 'int16' ? r.gainUv : 1;
    super({
      samplingFrequency: r.samplingFrequency,
      channelIds: Array.from({ length: nc }, (_, i) => String(i)),
      dtype: r.dtype as DType,
      numSamples: [model.numSamples],
      gains: new Float64Array(nc).fill(gain),
      offsets: new Float64Array(nc),
      probe: r.probe,
      annotations: { generator: 'spikeforge', seed: r.seed, is_filtered: true },
    });
    this.model = model;
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'GeneratedRecording', args: plainOptions(this.model.o) };
  }

  static fromSpec(args: unknown): GeneratedRecording {
    return new GeneratedRecording(args as GeneratorOptions);
  }

  /** @internal the model behind the traces (ground truth is read from it). */
  get generatorModel(): GeneratorModel {
    return this.model;
  }

  /** The template (channels × dense, µV) of a unit at the drift position it has at `sample`: time × channels. */
  templateAtSample(unit: number, sample: number): Float32Array {
    const t = this.model.template(unit, this.model.stepAt(unit, sample));
    return densify(t, this.model.numTemplateSamples, this.numChannels);
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const uniq = Int32Array.from(new Set(channels)).sort();
    const uv = this.model.synthesize(start, end, uniq);
    const pos = new Int32Array(this.numChannels);
    uniq.forEach((c, j) => (pos[c] = j));
    const nu = uniq.length;
    const nc = channels.length;
    const nt = end - start;
    const col = Int32Array.from(channels, (c) => pos[c]);
    if (this.dtype !== 'int16') {
      const out = new Float32Array(nt * nc);
      for (let t = 0; t < nt; t++) for (let j = 0; j < nc; j++) out[t * nc + j] = uv[t * nu + col[j]];
      return out;
    }
    const out = new Int16Array(nt * nc);
    const inv = 1 / this.gains[0];
    for (let t = 0; t < nt; t++) {
      const b = t * nu;
      const o = t * nc;
      for (let j = 0; j < nc; j++) {
        const v = uv[b + col[j]] * inv;
        out[o + j] = Math.round(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
      }
    }
    return out;
  }
}

function densify(t: SparseTemplate, numSamples: number, numChannels: number): Float32Array {
  const out = new Float32Array(numSamples * numChannels);
  const tc = t.channels.length;
  for (let k = 0; k < numSamples; k++) for (let j = 0; j < tc; j++) out[k * numChannels + t.channels[j]] = t.data[k * tc + j];
  return out;
}

/** A deterministic synthetic recording with its ground truth (see GeneratorOptions for the model). */
export function generateGroundTruth(opts: GeneratorOptions = {}): GeneratedGroundTruth {
  const recording = new GeneratedRecording(opts);
  const m = recording.generatorModel;
  const nu = m.units.length;
  const ns = m.numTemplateSamples;
  const nc = recording.numChannels;
  const templates = new Float32Array(nu * ns * nc);
  const snr = new Float64Array(nu);
  const peakChannels = new Int32Array(nu);
  const unitLocations = new Float64Array(nu * 3);
  for (let u = 0; u < nu; u++) {
    const t = m.template(u, 0);
    templates.set(densify(t, ns, nc), u * ns * nc);
    const peak = templatePeak(t);
    peakChannels[u] = peak.channel;
    snr[u] = m.o.noiseStdUv > 0 ? peak.value / m.o.noiseStdUv : Infinity;
    unitLocations.set(m.units[u].location, u * 3);
  }
  const sorting = m.sorting;
  sorting.properties.set('snr', Float64Array.from(snr));
  sorting.properties.set('firing_rate_hz', Float64Array.from(m.units, (u) => u.rateHz));
  return {
    recording,
    sorting,
    templates,
    templateShape: [nu, ns, nc],
    nBefore: m.nBefore,
    unitLocations,
    snr,
    peakChannels,
    probe: m.o.probe,
    spikeAmplitudeScale: m.spikeScale,
    motion: m.drift.mode === 'none' ? null : m.drift.sample(m.o.durationS, m.o.motionSamplingHz, m.o.motionBinUm),
  };
}
