/**
 * The peak pass for motion estimation: threshold crossings that are the extremum of their
 * neighbourhood (the sorter's detectPeaks on noise-normalised traces), localized in the same read.
 * Every chunk of the recording is read once; the output is a compact per-peak table.
 *
 * Whether a sample is a peak, and where it is localized, depends only on the rows within ±margin of
 * it (clipped at the segment edges). So the pass can also ride along another pass over the recording
 * (the trace cache's): each chunk's interior is detected where the chunk is, and the rows around chunk
 * boundaries are stitched in chunk order by MotionPeakStitcher, with the same result as this pass.
 * Either pass hands its peaks over a chunk at a time (MotionPeakConsumer), so a caller that needs only
 * what they add up to (the motion rasters, a drift map's sample) keeps none of them.
 */
import type { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { getKernels } from '../kernels/registry.js';
import { Polarity, detectPeaks, polarityValue } from '../sortingcomponents/detection.js';
import { channelNeighbourhoods } from '../sortingcomponents/neighbours.js';
import { estimateNoiseMad } from '../sortingcomponents/noise.js';
import { emptyLocations, localizeFromAmplitudes, localizeGeometry, localizeInWindow, LocalizeGeometry, PeakLocations } from './localize.js';

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
  const parts: MotionPeaks[] = [];
  streamMotionPeaks(recording, opts, (p) => parts.push(p));
  return concatMotionPeaks(parts);
}

/** Receives a pass's motion peaks, a batch at a time, in recording order. */
export type MotionPeakConsumer = (peaks: MotionPeaks) => void;

/** detectMotionPeaks without keeping the peaks: each chunk's go to `consume` as they are found. */
export function streamMotionPeaks(recording: Recording, opts: MotionPeakOptions, consume: MotionPeakConsumer): void {
  const fs = recording.samplingFrequency;
  const reporter = opts.reporter ?? silentReporter;
  const noise = opts.noiseSd ?? estimateNoiseMad(recording, { numChunks: 10, chunkSamples: Math.round(Math.min(1, recording.getDuration(0)) * fs), seed: 1 });
  const setup = motionPeakSetup(recording, opts, noise);
  const chunk = Math.max(1, Math.round((opts.chunkSeconds ?? 1) * fs));
  const jobs: [number, number][] = [];
  for (let s = 0; s < recording.numSegments; s++) for (let a = 0; a < recording.getNumSamples(s); a += chunk) jobs.push([s, a]);
  reporter.begin('motion peaks', jobs.length);
  jobs.forEach(([seg, a], j) => {
    const ns = recording.getNumSamples(seg);
    const b = Math.min(ns, a + chunk);
    const start = Math.max(0, a - setup.margin);
    const end = Math.min(ns, b + setup.margin);
    const uv = recording.getTraces({ segment: seg, start, end, scaled: true }) as Float32Array;
    consume(motionPeaksInWindow(recording, uv, seg, start, a, b, setup));
    reporter.progress(j + 1);
  });
  reporter.end();
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
 * from the chunks' edge rows. The peaks go to `emit` in recording order: all together, they equal
 * detectMotionPeaks with the same setup.
 */
export class MotionPeakStitcher {
  private segment = -1;
  /** Next row of the segment not yet detected. */
  private next = 0;
  /** µV rows [bufStart, bufStart + buf.length / nc) kept for the rows around the next boundary. */
  private buf = new Float32Array(0);
  private bufStart = 0;

  constructor(private readonly recording: Recording, private readonly setup: MotionPeakSetup, private readonly emit: MotionPeakConsumer) {}

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
      this.emit(interior);
      this.next = inner.to;
      this.keep(rows(Math.max(start, inner.to - M), end), Math.max(start, inner.to - M));
    } else {
      this.append(rows(start, end));
      this.detectUpTo(end === ns ? ns : Math.max(this.next, end - M), ns);
      this.trim();
    }
  }

  /** Checks that every row was pushed. */
  finish(): void {
    this.checkSegmentDone();
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
    this.emit(motionPeaksInWindow(this.recording, window, this.segment, w0, this.next, to, this.setup));
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

/**
 * The motion peaks straight from the trace cache's int16 steps (µV = step × gain[c]), with the same
 * result as motionPeaksInWindow on the dequantized window: the detection statistic of a step is
 * fround(fround(step × gain) × scale), exactly what dequantizeInt16 then scaleChannels compute, and it
 * is monotone in the step, so a threshold crossing is a step at or beyond a per-channel integer limit.
 * The scan then compares int16 values only; the statistic is computed for crossings and their
 * neighbourhoods, and µV only on the rows and channels that localization reads.
 */
export interface MotionStepLimits {
  /** A step ≤ below[c] crosses the threshold on the negative side (−32769: never). */
  below: Int32Array;
  /** A step ≥ above[c] crosses on the positive side (32768: never). */
  above: Int32Array;
  /**
   * 1 where channel c's statistic is monotone in the step and c is in its own dedup neighbourhood: then, for
   * one polarity, a crossing whose previous row's step is as extreme is no peak (see motionPeaksInSteps).
   */
  stepOrdered: Uint8Array;
}

const STEP_MIN = -32768;
const STEP_MAX = 32767;

/** Per-channel step limits of the threshold crossings of `setup` for steps of `gains` µV. */
export function motionStepLimits(setup: MotionPeakSetup, gains: Float64Array): MotionStepLimits {
  const nc = setup.scale.length;
  const below = new Int32Array(nc).fill(STEP_MIN - 1);
  const above = new Int32Array(nc).fill(STEP_MAX + 1);
  const stepOrdered = new Uint8Array(nc);
  const thr = setup.threshold;
  for (let c = 0; c < nc; c++) {
    const g = gains[c];
    const s = setup.scale[c];
    if (!(g > 0 && Number.isFinite(g) && s >= 0 && Number.isFinite(s))) {
      // Not monotone: every step is a candidate (each is checked on its statistic anyway).
      below[c] = STEP_MAX;
      continue;
    }
    stepOrdered[c] = setup.dedup[c].includes(c) ? 1 : 0;
    const stat = (q: number) => Math.fround(Math.fround(q * g) * s);
    if (setup.polarity !== 'positive') below[c] = lastStepWhere((q) => -stat(q) >= thr);
    if (setup.polarity !== 'negative') above[c] = lastStepWhere((q) => !(stat(q) >= thr)) + 1;
  }
  return { below, above, stepOrdered };
}

/** The largest step where `holds` (true on a prefix of the steps), or STEP_MIN − 1 when none. */
function lastStepWhere(holds: (q: number) => boolean): number {
  let lo = STEP_MIN - 1; // holds (by convention)
  let hi = STEP_MAX + 1; // fails (by convention)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (holds(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * motionPeaksInWindow for a window of int16 steps (time-major, all channels) whose first row is sample
 * `windowStart`; `limits` from motionStepLimits(setup, gains). `scratch` (optional, any length): a
 * buffer to reuse for the µV values localization reads when a gain is not finite (finite gains are
 * localized on the steps themselves); the result holds no reference to it.
 */
export function motionPeaksInSteps(
  recording: Recording, steps: Int16Array, gains: Float64Array, limits: MotionStepLimits,
  segment: number, windowStart: number, from: number, to: number, setup: MotionPeakSetup, scratch?: { uv: Float32Array },
): MotionPeaks {
  const nc = recording.numChannels;
  const nt = steps.length / nc;
  const { scale, threshold: thr, polarity: pol, exclusion: ex, dedup } = setup;
  const stat = (i: number, c: number) => Math.fround(Math.fround(steps[i] * gains[c]) * scale[c]);
  const sample: number[] = [];
  const channel: number[] = [];
  const { below, above, stepOrdered } = limits;
  // isStepExtremum's first test rejects a crossing whose previous row is at least as extreme; on a channel
  // whose statistic is monotone in the step, a previous step at least as extreme implies that, so the
  // integer comparison rejects about half the crossings (a spike's rising flank) before any statistic.
  const down = pol === 'negative';
  const ordered = pol !== 'both';
  const r0 = Math.max(0, from - windowStart);
  const r1 = Math.min(nt, to - windowStart);
  // The integer scan (ascending row-major indices, as the row-by-row loop visits them) on the kernels.
  const base = r0 * nc;
  const crossings = r1 > r0 ? getKernels().stepCrossings(steps.subarray(base, r1 * nc), nc, below, above) : new Int32Array(0);
  for (let j = 0; j < crossings.length; j++) {
    const i = base + crossings[j];
    const t = Math.floor(i / nc);
    const c = i - t * nc;
    if (ordered && t > 0 && stepOrdered[c] === 1 && (down ? steps[i - nc] <= steps[i] : steps[i - nc] >= steps[i])) continue;
    const v = polarityValue(stat(i, c), pol);
    if (!(v >= thr)) continue;
    if (isStepExtremum(stat, nt, nc, t, c, v, ex, dedup[c], pol)) {
      sample.push(windowStart + t);
      channel.push(c);
    }
  }
  const n = sample.length;
  const rows = Float64Array.from(sample, (s) => s - windowStart);
  const chans = Int32Array.from(channel);
  const loc = emptyLocations(n);
  if (allFinite(gains, nc)) {
    localizeSteps(steps, gains, nc, nt, rows, chans, setup, loc);
  } else {
    const uv = localizedRows(steps, gains, nc, nt, rows, chans, setup, scratch);
    localizeInWindow(uv, nt, setup.geo, { row: rows, channel: chans }, setup.nBefore, setup.nAfter, setup.method, 100, loc, Int32Array.from({ length: n }, (_, i) => i));
  }
  const sampleArr = Float64Array.from(sample);
  const timeS = Float64Array.from(sampleArr, (s) => timeOf(recording, segment, s));
  return { ...loc, segment: new Int32Array(n).fill(segment), sample: sampleArr, channel: chans, timeS };
}

/** detection.ts's isLocalExtremum (same tests, same tie rule, rows read nearest first) on a statistic computed on demand. */
function isStepExtremum(
  stat: (i: number, c: number) => number, ns: number, nc: number, t: number, c: number, v: number, ex: number, neigh: Int32Array, pol: Polarity,
): boolean {
  const t0 = Math.max(0, t - ex);
  const t1 = Math.min(ns - 1, t + ex);
  if (t - 1 >= t0 && polarityValue(stat((t - 1) * nc + c, c), pol) >= v && neigh.includes(c)) return false;
  if (t + 1 <= t1 && polarityValue(stat((t + 1) * nc + c, c), pol) > v && neigh.includes(c)) return false;
  // The answer is whether no sample beats v, whatever the order they are read in; rows are read outward
  // from t because a sample beating a flank or a neighbour's smaller copy of a spike is almost always
  // within a row or two (t, t−1, t+1, t−2, …), so most rejections read one or two rows, not 2·ex + 1.
  for (let d = 0; d <= ex; d++) {
    for (let side = d === 0 ? 1 : 0; side < 2; side++) {
      const u = side === 0 ? t - d : t + d;
      if (u < t0 || u > t1) continue;
      const row = u * nc;
      for (let j = 0; j < neigh.length; j++) {
        const k = neigh[j];
        if (u === t && k === c) continue;
        const w = polarityValue(stat(row + k, k), pol);
        if (w > v || (w === v && (u < t || (u === t && k < c)))) return false;
      }
    }
  }
  return true;
}

function allFinite(x: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * localizeInWindow on the dequantized window, measured on the steps: fround(q × gain) is monotone in q
 * for a finite gain, so the µV peak-to-peak of a channel is the difference of its extreme steps' µV
 * values, and only two samples per channel are converted.
 */
function localizeSteps(
  steps: Int16Array, gains: Float64Array, nc: number, nt: number, rows: Float64Array, chans: Int32Array, setup: MotionPeakSetup, out: PeakLocations,
): void {
  const amps = new Float64Array(nc);
  for (let i = 0; i < rows.length; i++) {
    const neigh = setup.geo.neighbours[chans[i]];
    const t0 = Math.max(0, rows[i] - setup.nBefore);
    const t1 = Math.min(nt, rows[i] + setup.nAfter + 1);
    for (let j = 0; j < neigh.length; j++) {
      const k = neigh[j];
      let qlo = 32767;
      let qhi = -32768;
      for (let t = t0; t < t1; t++) {
        const q = steps[t * nc + k];
        if (q < qlo) qlo = q;
        if (q > qhi) qhi = q;
      }
      // A negative gain reverses the order: the two converted extremes are sorted.
      const a = Math.fround(qlo * gains[k]);
      const b = Math.fround(qhi * gains[k]);
      amps[j] = t1 > t0 ? Math.max(a, b) - Math.min(a, b) : 0;
    }
    localizeFromAmplitudes(amps.subarray(0, neigh.length), neigh, setup.geo, setup.method, 100, out, i);
  }
}

/**
 * A window-sized µV array holding, for each peak, the rows and channels localizeInWindow reads
 * (fround(step × gain), as dequantizeInt16 computes them); other values are left as they were.
 */
function localizedRows(
  steps: Int16Array, gains: Float64Array, nc: number, nt: number, rows: Float64Array, chans: Int32Array, setup: MotionPeakSetup, scratch?: { uv: Float32Array },
): Float32Array {
  let uv = scratch?.uv;
  if (!uv || uv.length < steps.length) {
    uv = new Float32Array(steps.length);
    if (scratch) scratch.uv = uv;
  }
  for (let i = 0; i < rows.length; i++) {
    const neigh = setup.geo.neighbours[chans[i]];
    const t0 = Math.max(0, rows[i] - setup.nBefore);
    const t1 = Math.min(nt, rows[i] + setup.nAfter + 1);
    for (let t = t0; t < t1; t++) {
      for (let j = 0; j < neigh.length; j++) {
        const k = t * nc + neigh[j];
        uv[k] = steps[k] * gains[neigh[j]];
      }
    }
  }
  return uv.subarray(0, steps.length);
}
