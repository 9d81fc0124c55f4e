/**
 * Recording: the lazy, chunked view of multi-channel voltage traces (SpikeInterface's BaseRecording).
 *
 * Nothing is loaded until getTraces() asks for a [start, end) window of one segment; every derived
 * recording (slices, aggregates, preprocessing) is a thin object that forwards to its parent.
 * Traces are always time-major: element (t, c) sits at t * numChannels + c.
 */
import { DType, NumericArray, allocArray } from './dtypes.js';
import { getKernels } from '../kernels/registry.js';
import { ProbeGroup } from './probe.js';
import type { RecordingSpec } from './spec.js';

export type PropertyValues = NumericArray | unknown[];

export interface SegmentTime {
  /** Time (s) of sample 0 when the segment is regularly sampled. */
  tStart: number;
  /** Explicit per-sample timestamps (s), overriding tStart when present. */
  timestamps: Float64Array | null;
}

export interface RecordingInit {
  samplingFrequency: number;
  channelIds: string[];
  dtype: DType;
  /** Samples in each segment. */
  numSamples: number[];
  /** Per-channel factors so that µV = raw * gain + offset. Default 1 and 0. */
  gains?: ArrayLike<number>;
  offsets?: ArrayLike<number>;
  probe?: ProbeGroup | null;
  properties?: Map<string, PropertyValues>;
  annotations?: Record<string, unknown>;
  times?: SegmentTime[];
}

export interface GetTracesOptions {
  segment?: number;
  start?: number;
  end?: number;
  /** Channel indices (0-based) to return, in this order. Default: all. */
  channels?: ArrayLike<number>;
  /** Return µV as float32 (raw * gain + offset) instead of the native dtype. */
  scaled?: boolean;
}

export abstract class Recording {
  readonly samplingFrequency: number;
  readonly channelIds: readonly string[];
  /** dtype of unscaled traces. */
  readonly dtype: DType;
  readonly gains: Float64Array;
  readonly offsets: Float64Array;
  probe: ProbeGroup | null;
  readonly properties: Map<string, PropertyValues>;
  readonly annotations: Record<string, unknown>;
  protected readonly segmentSamples: number[];
  protected readonly segmentTimes: SegmentTime[];

  constructor(init: RecordingInit) {
    if (!(init.samplingFrequency > 0) || !Number.isFinite(init.samplingFrequency)) {
      throw new Error(`sampling frequency must be a positive number, got ${init.samplingFrequency}`);
    }
    if (init.channelIds.length === 0) throw new Error('a recording needs at least one channel');
    if (new Set(init.channelIds).size !== init.channelIds.length) {
      throw new Error('channel ids must be unique');
    }
    if (init.numSamples.length === 0) throw new Error('a recording needs at least one segment');
    const n = init.channelIds.length;
    this.samplingFrequency = init.samplingFrequency;
    this.channelIds = Object.freeze([...init.channelIds]);
    this.dtype = init.dtype;
    this.segmentSamples = [...init.numSamples];
    this.gains = init.gains ? Float64Array.from(init.gains) : new Float64Array(n).fill(1);
    this.offsets = init.offsets ? Float64Array.from(init.offsets) : new Float64Array(n);
    if (this.gains.length !== n || this.offsets.length !== n) {
      throw new Error(`gains/offsets must have one value per channel (${n})`);
    }
    this.probe = init.probe ?? null;
    this.properties = new Map(init.properties ?? []);
    this.annotations = { ...(init.annotations ?? {}) };
    this.segmentTimes =
      init.times?.map((t) => ({ ...t })) ?? this.segmentSamples.map(() => ({ tStart: 0, timestamps: null }));
    if (this.segmentTimes.length !== this.segmentSamples.length) {
      throw new Error('times must have one entry per segment');
    }
    this.segmentTimes.forEach((t, s) => {
      if (t.timestamps && t.timestamps.length !== this.segmentSamples[s]) {
        throw new Error(`segment ${s}: ${t.timestamps.length} timestamps for ${this.segmentSamples[s]} samples`);
      }
    });
  }

  /** Reads [start, end) of the given channels in the native dtype, time-major. Arguments are already validated. */
  protected abstract readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray;

  /**
   * True when readRaw always returns a new array that nothing else holds: a scaled read that needs no
   * scaling (float32, gain 1, offset 0) then hands it over instead of copying it. Default false.
   */
  protected readonly readRawIsFresh: boolean = false;

  /**
   * A description from which fromSpec() in another thread rebuilds an equal recording, or null when
   * this recording cannot travel (the executor then runs it in the calling thread).
   * Metadata changed after construction (probe, properties) must be included by the subclass.
   */
  toSpec(): RecordingSpec | null {
    return null;
  }

  get numChannels(): number {
    return this.channelIds.length;
  }

  get numSegments(): number {
    return this.segmentSamples.length;
  }

  getNumSamples(segment = 0): number {
    this.checkSegment(segment);
    return this.segmentSamples[segment];
  }

  getTotalSamples(): number {
    return this.segmentSamples.reduce((a, b) => a + b, 0);
  }

  getDuration(segment?: number): number {
    if (segment === undefined) return this.getTotalSamples() / this.samplingFrequency;
    return this.getNumSamples(segment) / this.samplingFrequency;
  }

  getSegmentTime(segment = 0): SegmentTime {
    this.checkSegment(segment);
    return this.segmentTimes[segment];
  }

  /** Time in seconds of each sample of [start, end). */
  getTimes(segment = 0, start = 0, end = this.getNumSamples(segment)): Float64Array {
    const t = this.getSegmentTime(segment);
    if (t.timestamps) return t.timestamps.slice(start, end);
    const out = new Float64Array(end - start);
    for (let i = 0; i < out.length; i++) out[i] = t.tStart + (start + i) / this.samplingFrequency;
    return out;
  }

  /** Sample index nearest to time t (s) in a segment. */
  timeToSample(t: number, segment = 0): number {
    const st = this.getSegmentTime(segment);
    if (!st.timestamps) return Math.round((t - st.tStart) * this.samplingFrequency);
    const ts = st.timestamps;
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && (lo === ts.length || t - ts[lo - 1] <= ts[lo] - t)) lo--;
    return lo;
  }

  getTraces(opts: GetTracesOptions = {}): NumericArray {
    const segment = opts.segment ?? 0;
    this.checkSegment(segment);
    const ns = this.segmentSamples[segment];
    const start = opts.start ?? 0;
    const end = opts.end ?? ns;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ns || start > end) {
      throw new Error(`getTraces: frames [${start}, ${end}) are outside segment ${segment} (0..${ns})`);
    }
    const channels = this.resolveChannels(opts.channels);
    const raw = end === start ? allocArray(this.dtype, 0) : this.readRaw(segment, start, end, channels);
    if (!opts.scaled) return raw;
    if (this.readRawIsFresh && raw instanceof Float32Array && isIdentityScaling(channels, this.gains, this.offsets)) return raw;
    return scaleTraces(raw, channels, this.gains, this.offsets);
  }

  /** Channel indices for channel ids; throws naming the unknown id. */
  idsToIndices(ids: readonly string[]): Int32Array {
    const lookup = new Map(this.channelIds.map((id, i) => [id, i]));
    return Int32Array.from(ids, (id) => {
      const i = lookup.get(id);
      if (i === undefined) throw new Error(`unknown channel id '${id}'; the recording has ${this.channelIds.join(', ')}`);
      return i;
    });
  }

  /**
   * Channel locations (µV-independent, µm), [x0, y0, x1, y1, ...], from the probe or the 'location'
   * property. Throws when neither gives a location for every channel.
   */
  getChannelLocations(): Float64Array {
    if (this.probe) {
      const g = this.probe.channelGeometry(this.numChannels);
      const out = new Float64Array(this.numChannels * 2);
      for (let c = 0; c < this.numChannels; c++) {
        if (Number.isNaN(g.x[c])) {
          throw new Error(`channel '${this.channelIds[c]}' has no contact on the attached probe; fix the probe wiring`);
        }
        out[2 * c] = g.x[c];
        out[2 * c + 1] = g.y[c];
      }
      return out;
    }
    const loc = this.properties.get('location');
    if (loc && loc.length >= this.numChannels * 2) return Float64Array.from(loc as ArrayLike<number>).subarray(0, this.numChannels * 2);
    throw new Error('the recording has no probe and no channel locations: attach one with --probe (probeinterface .json, .prb or Kilosort chanMap .mat)');
  }

  hasProbe(): boolean {
    return this.probe !== null || this.properties.has('location');
  }

  /** Per-channel group (shank) labels: 'group' property, then probe shank ids, else all '0'. */
  getChannelGroups(): string[] {
    const g = this.properties.get('group');
    if (g && g.length === this.numChannels) return Array.from(g as ArrayLike<unknown>, (v) => String(v));
    if (this.probe) {
      const geo = this.probe.channelGeometry(this.numChannels);
      return geo.shank.map((s, c) => `${geo.probeIndex[c]}:${s}`);
    }
    return new Array(this.numChannels).fill('0');
  }

  /** Metadata for a recording made of `channels` of this one (same order as given). */
  sliceInit(channels: Int32Array, overrides: Partial<RecordingInit> = {}): RecordingInit {
    const props = new Map<string, PropertyValues>();
    for (const [k, v] of this.properties) props.set(k, pickPerChannel(v, channels, this.numChannels));
    let probe: ProbeGroup | null = null;
    if (this.probe) probe = sliceProbe(this.probe, this.numChannels, channels);
    return {
      samplingFrequency: this.samplingFrequency,
      channelIds: Array.from(channels, (c) => this.channelIds[c]),
      dtype: this.dtype,
      numSamples: [...this.segmentSamples],
      gains: Array.from(channels, (c) => this.gains[c]),
      offsets: Array.from(channels, (c) => this.offsets[c]),
      probe,
      properties: props,
      annotations: { ...this.annotations },
      times: this.segmentTimes.map((t) => ({ ...t })),
      ...overrides,
    };
  }

  /** Metadata for a recording of all channels with the same shape as this one. */
  baseInit(overrides: Partial<RecordingInit> = {}): RecordingInit {
    return this.sliceInit(Int32Array.from({ length: this.numChannels }, (_, i) => i), overrides);
  }

  protected checkSegment(segment: number): void {
    if (!Number.isInteger(segment) || segment < 0 || segment >= this.segmentSamples.length) {
      throw new Error(`segment ${segment} does not exist (the recording has ${this.segmentSamples.length})`);
    }
  }

  protected resolveChannels(channels?: ArrayLike<number>): Int32Array {
    const n = this.numChannels;
    // Plain loops: Int32Array.from with a callback or an iterator costs more than many small reads themselves.
    if (!channels) {
      const all = new Int32Array(n);
      for (let i = 0; i < n; i++) all[i] = i;
      return all;
    }
    const out = Int32Array.from(channels);
    for (let i = 0; i < out.length; i++) {
      const c = out[i];
      if (c < 0 || c >= n) throw new Error(`channel index ${c} is outside 0..${n - 1}`);
    }
    return out;
  }
}

/** RecordingInit after structured cloning: restores the probe's classes. */
export function reviveInit(init: RecordingInit): RecordingInit {
  return { ...init, probe: init.probe ? ProbeGroup.revive(init.probe) : null };
}

function isIdentityScaling(channels: Int32Array, gains: Float64Array, offsets: Float64Array): boolean {
  for (const c of channels) if (gains[c] !== 1 || offsets[c] !== 0) return false;
  return true;
}

/** µV float32 from raw values: raw * gain[c] + offset[c], with channel c = channels[j]. */
export function scaleTraces(raw: NumericArray, channels: Int32Array, gains: Float64Array, offsets: Float64Array): Float32Array {
  const nc = channels.length;
  const g = Float64Array.from(channels, (c) => gains[c]);
  const o = Float64Array.from(channels, (c) => offsets[c]);
  // Preprocessed recordings are float32 with gain 1 and offset 0 at every level of a chain: a copy is exact.
  if (raw instanceof Float32Array && g.every((v) => v === 1) && o.every((v) => v === 0)) return raw.slice();
  const out = new Float32Array(raw.length);
  // int16 with positive gains and no offsets (most raw files, the trace cache): the kernels' dequantizeInt16
  // gives the same float32 values (raw · gain; + 0 changes nothing when no product is −0) several times faster.
  if (raw instanceof Int16Array && nc > 0 && g.every((v) => v > 0) && o.every((v) => v === 0)) getKernels().dequantizeInt16(raw, nc, g, out);
  // One monomorphic loop per common dtype: a loop shared by every array type runs several times slower.
  else if (raw instanceof Int16Array) scaleRows16(raw, nc, g, o, out);
  else scaleRowsAny(raw, nc, g, o, out);
  return out;
}

function scaleRows16(raw: Int16Array, nc: number, g: Float64Array, o: Float64Array, out: Float32Array): void {
  const nt = nc === 0 ? 0 : raw.length / nc;
  for (let t = 0; t < nt; t++) {
    const b = t * nc;
    for (let j = 0; j < nc; j++) out[b + j] = raw[b + j] * g[j] + o[j];
  }
}

function scaleRowsAny(raw: NumericArray, nc: number, g: Float64Array, o: Float64Array, out: Float32Array): void {
  const nt = nc === 0 ? 0 : raw.length / nc;
  for (let t = 0; t < nt; t++) {
    const b = t * nc;
    for (let j = 0; j < nc; j++) out[b + j] = raw[b + j] * g[j] + o[j];
  }
}

export function pickPerChannel(v: PropertyValues, channels: Int32Array, numChannels: number): PropertyValues {
  if (v.length === numChannels) {
    if (Array.isArray(v)) return Array.from(channels, (c) => v[c]);
    const arr = v as NumericArray;
    const ctor = arr.constructor as new (n: number) => NumericArray;
    const out = new ctor(channels.length);
    channels.forEach((c, i) => (out[i] = arr[c]));
    return out;
  }
  // A per-channel property stored flat with k values per channel (e.g. location x,y).
  if (v.length % numChannels === 0) {
    const k = v.length / numChannels;
    if (Array.isArray(v)) return Array.from({ length: channels.length * k }, (_, i) => v[channels[Math.floor(i / k)] * k + (i % k)]);
    const arr = v as NumericArray;
    const ctor = arr.constructor as new (n: number) => NumericArray;
    const out = new ctor(channels.length * k);
    for (let i = 0; i < channels.length; i++) for (let j = 0; j < k; j++) out[i * k + j] = arr[channels[i] * k + j];
    return out;
  }
  return v;
}

/** A probe group restricted (and re-wired) to the given channels of a recording. */
export function sliceProbe(group: ProbeGroup, numChannels: number, channels: Int32Array): ProbeGroup {
  const geo = group.channelGeometry(numChannels);
  const newIndex = new Map<number, number>();
  channels.forEach((c, i) => newIndex.set(c, i));
  const probes = group.probes.map((p, pi) => {
    const keep: number[] = [];
    const wiring: number[] = [];
    for (let ch = 0; ch < numChannels; ch++) {
      if (geo.probeIndex[ch] === pi && newIndex.has(ch)) {
        keep.push(geo.contactIndex[ch]);
        wiring.push(newIndex.get(ch)!);
      }
    }
    return p.subset(keep, wiring);
  });
  return new ProbeGroup(probes.filter((p) => p.numContacts > 0));
}
