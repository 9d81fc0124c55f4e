/**
 * The peak pass for motion estimation: threshold crossings that are the extremum of their
 * neighbourhood (the sorter's detectPeaks on noise-normalised traces), localized in the same read.
 * Every chunk of the recording is read once; the output is a compact per-peak table.
 *
 * Whether a sample is a peak, and where it is localized, depends only on the rows within ±margin of
 * it (clipped at the segment edges). So the pass can also ride along another pass over the recording
 * (the trace cache's): each chunk's interior is detected where the chunk is, and the rows around chunk
 * boundaries are stitched in chunk order by MotionPeakStitcher, with the same result as this pass.
 */
import type { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { getKernels } from '../kernels/registry.js';
import { Polarity, detectPeaks } from '../sortingcomponents/detection.js';
import { channelNeighbourhoods } from '../sortingcomponents/neighbours.js';
import { estimateNoiseMad } from '../sortingcomponents/noise.js';
import { emptyLocations, localizeGeometry, localizeInWindow, LocalizeGeometry, PeakLocations } from './localize.js';

/** What the peaks are (structured-cloneable: it travels to worker threads). */
export interface MotionPeakParams {
  /** Detection threshold in noise standard deviations (MAD). Default 5. */
  thresholdSigma?: number;
  polarity?: Polarity;
  /** A peak must be the extremum within ±this time and over the dedup radius. Default 0.3 ms. */
  exclusionMs?: number;
  /** Spatial deduplication radius. Default 50 µm. */
  dedupRadiusUm?: number;
  /** Localization neighbourhood. Default 75 µm. */
  localizeRadiusUm?: number;
  method?: 'monopolar' | 'center-of-mass';
}

export interface MotionPeakOptions extends MotionPeakParams {
  /** Per-channel noise sd (µV) that sets the threshold; default: the MAD of 10 random 1 s chunks (seed 1). */
  noiseSd?: ArrayLike<number>;
  chunkSeconds?: number;
  reporter?: Reporter;
}

export interface MotionPeaks extends PeakLocations {
  segment: Int32Array;
  sample: Float64Array;
  channel: Int32Array;
  /** Segment time (s) of each peak. */
  timeS: Float64Array;
}

/** Everything the per-window detection needs, fixed for a recording. */
export interface MotionPeakSetup {
  geo: LocalizeGeometry;
  dedup: Int32Array[];
  /** 1 / noise sd per channel (0 for constant channels). */
  scale: Float32Array;
  nBefore: number;
  nAfter: number;
  exclusion: number;
  /** Rows of context a peak's detection and localization read on each side. */
  margin: number;
  threshold: number;
  polarity: Polarity;
  method: 'monopolar' | 'center-of-mass';
}

export function motionPeakSetup(recording: Recording, params: MotionPeakParams, noiseSd: ArrayLike<number>): MotionPeakSetup {
  const fs = recording.samplingFrequency;
  const nc = recording.numChannels;
  if (noiseSd.length !== nc) throw new Error(`motion peaks: ${noiseSd.length} noise levels for ${nc} channels`);
  const geo = localizeGeometry(recording, params.localizeRadiusUm ?? 75);
  const nBefore = Math.round(0.0005 * fs);
  const nAfter = Math.round(0.001 * fs);
  const exclusion = Math.max(1, Math.round(((params.exclusionMs ?? 0.3) * fs) / 1000));
  return {
    geo,
    dedup: channelNeighbourhoods(geo.locations, params.dedupRadiusUm ?? 50, nc),
    scale: Float32Array.from(noiseSd, (s) => (s > 0 ? 1 / s : 0)),
    nBefore,
    nAfter,
    exclusion,
    // Every row a peak's extremum test and peak-to-peak window look at.
    margin: Math.max(nAfter + Math.round(0.001 * fs), nBefore, exclusion),
    threshold: params.thresholdSigma ?? 5,
    polarity: params.polarity ?? 'negative',
    method: params.method ?? 'monopolar',
  };
}

/** Detects and localizes the peaks of a filtered recording (µV). */
export function detectMotionPeaks(recording: Recording, opts: MotionPeakOptions = {}): MotionPeaks {
  const fs = recording.samplingFrequency;
  const reporter = opts.reporter ?? silentReporter;
  const noise = opts.noiseSd ?? estimateNoiseMad(recording, { numChunks: 10, chunkSamples: Math.round(Math.min(1, recording.getDuration(0)) * fs), seed: 1 });
  const setup = motionPeakSetup(recording, opts, noise);
  const chunk = Math.max(1, Math.round((opts.chunkSeconds ?? 1) * fs));
  const parts: MotionPeaks[] = [];
  const jobs: [number, number][] = [];
  for (let s = 0; s < recording.numSegments; s++) for (let a = 0; a < recording.getNumSamples(s); a += chunk) jobs.push([s, a]);
  reporter.begin('motion peaks', jobs.length);
  jobs.forEach(([seg, a], j) => {
    const ns = recording.getNumSamples(seg);
    const b = Math.min(ns, a + chunk);
    const start = Math.max(0, a - setup.margin);
    const end = Math.min(ns, b + setup.margin);
    const uv = recording.getTraces({ segment: seg, start, end, scaled: true }) as Float32Array;
    parts.push(motionPeaksInWindow(recording, uv, seg, start, a, b, setup));
    reporter.progress(j + 1);
  });
  reporter.end();
  return concatMotionPeaks(parts);
}

/**
 * Peaks with a sample in [from, to) of a time-major µV window whose first row is sample `windowStart`
 * of `segment`; the window should hold setup.margin rows around [from, to) where the segment has them.
 */
export function motionPeaksInWindow(recording: Recording, uv: Float32Array, segment: number, windowStart: number, from: number, to: number, setup: MotionPeakSetup): MotionPeaks {
  const nc = recording.numChannels;
  const nt = uv.length / nc;
  const norm = new Float32Array(uv.length);
  getKernels().scaleChannels(uv, nc, setup.scale, norm);
  const p = detectPeaks(norm, nt, nc, from - windowStart, to - windowStart, windowStart, {
    threshold: setup.threshold,
    exclusionSamples: setup.exclusion,
    dedupNeighbours: setup.dedup,
    polarity: setup.polarity,
  });
  const n = p.sample.length;
  const loc = emptyLocations(n);
  const rows = Float64Array.from(p.sample, (s) => s - windowStart);
  localizeInWindow(uv, nt, setup.geo, { row: rows, channel: p.channel }, setup.nBefore, setup.nAfter, setup.method, 100, loc, Int32Array.from({ length: n }, (_, i) => i));
  const timeS = Float64Array.from(p.sample, (s) => timeOf(recording, segment, s));
  return { ...loc, segment: new Int32Array(n).fill(segment), sample: p.sample, channel: p.channel, timeS };
}

/**
 * The rows of chunk [start, end) of a segment of `numSamples` whose ±margin context lies inside the
 * chunk (or past a segment edge): the part of a chunk that can be detected on its own. Empty (from ≥ to)
 * for chunks shorter than 2 × margin.
 */
export function motionChunkInterior(start: number, end: number, numSamples: number, margin: number): { from: number; to: number } {
  return { from: start === 0 ? 0 : start + margin, to: end === numSamples ? numSamples : end - margin };
}

/** µV rows [from, to) of the chunk being pushed (time-major, all channels). */
export type MotionChunkRows = (from: number, to: number) => Float32Array;

/**
 * Assembles the motion peaks of a pass whose chunks detect their own interior (motionChunkInterior):
 * push() the chunks in order with their interior peaks; the rows between interiors are detected here
 * from the chunks' edge rows. The result equals detectMotionPeaks with the same setup.
 */
export class MotionPeakStitcher {
  private readonly parts: MotionPeaks[] = [];
  private segment = -1;
  /** Next row of the segment not yet detected. */
  private next = 0;
  /** µV rows [bufStart, bufStart + buf.length / nc) kept for the rows around the next boundary. */
  private buf = new Float32Array(0);
  private bufStart = 0;

  constructor(private readonly recording: Recording, private readonly setup: MotionPeakSetup) {}

  push(chunk: { segment: number; start: number; end: number }, rows: MotionChunkRows, interior: MotionPeaks | null): void {
    const { segment, start, end } = chunk;
    const ns = this.recording.getNumSamples(segment);
    const M = this.setup.margin;
    if (segment !== this.segment || start === 0) this.startSegment(segment);
    if (start !== this.bufEnd()) throw new Error(`motion peaks: chunk [${start}, ${end}) of segment ${segment} does not follow row ${this.bufEnd()}: push chunks in order`);
    const inner = motionChunkInterior(start, end, ns, M);
    if (inner.from < inner.to) {
      if (!interior) throw new Error(`motion peaks: chunk [${start}, ${end}) of segment ${segment} needs its interior peaks`);
      this.append(rows(start, Math.min(end, inner.from + M)));
      this.detectUpTo(inner.from, ns);
      this.parts.push(interior);
      this.next = inner.to;
      this.keep(rows(Math.max(start, inner.to - M), end), Math.max(start, inner.to - M));
    } else {
      this.append(rows(start, end));
      this.detectUpTo(end === ns ? ns : Math.max(this.next, end - M), ns);
      this.trim();
    }
  }

  finish(): MotionPeaks {
    this.checkSegmentDone();
    return concatMotionPeaks(this.parts);
  }

  private checkSegmentDone(): void {
    if (this.segment < 0) return;
    const ns = this.recording.getNumSamples(this.segment);
    if (this.next !== ns) throw new Error(`motion peaks: segment ${this.segment} was pushed up to row ${this.bufEnd()} of ${ns}: push every chunk`);
  }

  private startSegment(segment: number): void {
    this.checkSegmentDone();
    this.segment = segment;
    this.next = 0;
    this.buf = new Float32Array(0);
    this.bufStart = 0;
  }

  private bufEnd(): number {
    return this.bufStart + this.buf.length / this.recording.numChannels;
  }

  private append(rows: Float32Array): void {
    const out = new Float32Array(this.buf.length + rows.length);
    out.set(this.buf);
    out.set(rows, this.buf.length);
    this.buf = out;
  }

  private keep(rows: Float32Array, first: number): void {
    this.buf = rows.slice();
    this.bufStart = first;
  }

  /** Drops rows no later detection can look at. */
  private trim(): void {
    const first = Math.max(this.bufStart, this.next - this.setup.margin);
    const nc = this.recording.numChannels;
    this.buf = this.buf.slice((first - this.bufStart) * nc);
    this.bufStart = first;
  }

  /** Detects rows [next, to) from the buffer, which holds their context. */
  private detectUpTo(to: number, ns: number): void {
    if (to <= this.next) return;
    const nc = this.recording.numChannels;
    const M = this.setup.margin;
    const w0 = Math.max(0, this.next - M);
    const w1 = Math.min(ns, to + M);
    if (w0 < this.bufStart || w1 > this.bufEnd()) throw new Error(`motion peaks: rows [${w0}, ${w1}) are not buffered (have [${this.bufStart}, ${this.bufEnd()}))`);
    const window = this.buf.subarray((w0 - this.bufStart) * nc, (w1 - this.bufStart) * nc);
    this.parts.push(motionPeaksInWindow(this.recording, window, this.segment, w0, this.next, to, this.setup));
    this.next = to;
  }
}

function timeOf(rec: Recording, segment: number, sample: number): number {
  const st = rec.getSegmentTime(segment);
  return st.timestamps ? st.timestamps[sample] : st.tStart + sample / rec.samplingFrequency;
}

export function concatMotionPeaks(parts: MotionPeaks[]): MotionPeaks {
  const n = parts.reduce((s, p) => s + p.sample.length, 0);
  const out: MotionPeaks = { ...emptyLocations(n), segment: new Int32Array(n), sample: new Float64Array(n), channel: new Int32Array(n), timeS: new Float64Array(n) };
  let o = 0;
  for (const p of parts) {
    for (const k of ['x', 'y', 'z', 'amplitude', 'segment', 'sample', 'channel', 'timeS'] as const) (out[k] as Float64Array).set(p[k] as Float64Array, o);
    o += p.sample.length;
  }
  return out;
}
