/**
 * The peak pass for motion estimation: threshold crossings that are the extremum of their
 * neighbourhood (the sorter's detectPeaks on noise-normalised traces), localized in the same read.
 * Every chunk of the recording is read once; the output is a compact per-peak table.
 */
import type { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { Polarity, detectPeaks } from '../sortingcomponents/detection.js';
import { channelNeighbourhoods } from '../sortingcomponents/neighbours.js';
import { estimateNoiseMad } from '../sortingcomponents/noise.js';
import { emptyLocations, localizeGeometry, localizeInWindow, PeakLocations } from './localize.js';

export interface MotionPeakOptions {
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

/** Detects and localizes the peaks of a filtered recording (µV). */
export function detectMotionPeaks(recording: Recording, opts: MotionPeakOptions = {}): MotionPeaks {
  const fs = recording.samplingFrequency;
  const nc = recording.numChannels;
  const reporter = opts.reporter ?? silentReporter;
  const geo = localizeGeometry(recording, opts.localizeRadiusUm ?? 75);
  const dedup = channelNeighbourhoods(geo.locations, opts.dedupRadiusUm ?? 50, nc);
  const noise = estimateNoiseMad(recording, { numChunks: 10, chunkSamples: Math.round(Math.min(1, recording.getDuration(0)) * fs), seed: 1 });
  const scale = Float32Array.from(noise, (s) => (s > 0 ? 1 / s : 0));
  const nBefore = Math.round(0.0005 * fs);
  const nAfter = Math.round(0.001 * fs);
  const margin = nAfter + Math.round(0.001 * fs);
  const chunk = Math.max(1, Math.round((opts.chunkSeconds ?? 1) * fs));
  const exclusion = Math.max(1, Math.round(((opts.exclusionMs ?? 0.3) * fs) / 1000));
  const parts: MotionPeaks[] = [];
  const jobs: [number, number][] = [];
  for (let s = 0; s < recording.numSegments; s++) for (let a = 0; a < recording.getNumSamples(s); a += chunk) jobs.push([s, a]);
  reporter.begin('motion peaks', jobs.length);
  jobs.forEach(([seg, a], j) => {
    const ns = recording.getNumSamples(seg);
    const b = Math.min(ns, a + chunk);
    const start = Math.max(0, a - margin);
    const end = Math.min(ns, b + margin);
    const uv = recording.getTraces({ segment: seg, start, end, scaled: true }) as Float32Array;
    const norm = new Float32Array(uv.length);
    for (let i = 0; i < uv.length; i += nc) for (let c = 0; c < nc; c++) norm[i + c] = uv[i + c] * scale[c];
    const nt = end - start;
    const p = detectPeaks(norm, nt, nc, a - start, b - start, start, {
      threshold: opts.thresholdSigma ?? 5,
      exclusionSamples: exclusion,
      dedupNeighbours: dedup,
      polarity: opts.polarity ?? 'negative',
    });
    const n = p.sample.length;
    const loc = emptyLocations(n);
    const rows = Float64Array.from(p.sample, (s) => s - start);
    localizeInWindow(uv, nt, geo, { row: rows, channel: p.channel }, nBefore, nAfter, opts.method ?? 'monopolar', 100, loc, Int32Array.from({ length: n }, (_, i) => i));
    const timeS = Float64Array.from(p.sample, (s) => timeOf(recording, seg, s));
    parts.push({ ...loc, segment: new Int32Array(n).fill(seg), sample: p.sample, channel: p.channel, timeS });
    reporter.progress(j + 1);
  });
  reporter.end();
  return concatPeaks(parts);
}

function timeOf(rec: Recording, segment: number, sample: number): number {
  const st = rec.getSegmentTime(segment);
  return st.timestamps ? st.timestamps[sample] : st.tStart + sample / rec.samplingFrequency;
}

function concatPeaks(parts: MotionPeaks[]): MotionPeaks {
  const n = parts.reduce((s, p) => s + p.sample.length, 0);
  const out: MotionPeaks = { ...emptyLocations(n), segment: new Int32Array(n), sample: new Float64Array(n), channel: new Int32Array(n), timeS: new Float64Array(n) };
  let o = 0;
  for (const p of parts) {
    for (const k of ['x', 'y', 'z', 'amplitude', 'segment', 'sample', 'channel', 'timeS'] as const) (out[k] as Float64Array).set(p[k] as Float64Array, o);
    o += p.sample.length;
  }
  return out;
}
