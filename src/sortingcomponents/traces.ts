/**
 * Normalised trace windows: µV traces of a (preprocessed) recording multiplied by a per-channel
 * scale so that noise has unit standard deviation, read with margins and zero-padded at the
 * segment edges. Every sorter stage sees traces through this one function.
 */
import type { Recording } from '../core/recording.js';

export interface NormalizedSource {
  recording: Recording;
  /** Per-channel factor from µV to noise units (1 / noise sd; 0 silences a dead channel). */
  scale: Float32Array;
  /** When set, every read adds to it (main thread only: workers report their reads with their results). */
  counter?: ReadCounter;
}

export interface TraceWindow {
  /** Time-major float32, (end - start + 2 * margin) × numChannels. */
  data: Float32Array;
  numSamples: number;
  numChannels: number;
  /** Segment sample index of data row 0 (may be negative: rows before 0 are zeros). */
  firstSample: number;
  /** Frames actually read from the recording (the zero padding excluded), for I/O accounting. */
  framesRead: number;
}

/** Frames read from the recording by a pass (summed over its windows), for the summary's I/O figures. */
export interface ReadCounter {
  frames: number;
  reads: number;
}

export function readNormalized(src: NormalizedSource, segment: number, start: number, end: number, margin: number): TraceWindow {
  const rec = src.recording;
  const nc = rec.numChannels;
  const ns = rec.getNumSamples(segment);
  const first = start - margin;
  const total = end - start + 2 * margin;
  const data = new Float32Array(total * nc);
  const a = Math.max(0, first);
  const b = Math.min(ns, end + margin);
  if (b > a) {
    const raw = rec.getTraces({ segment, start: a, end: b, scaled: true }) as Float32Array;
    const off = (a - first) * nc;
    const scale = src.scale;
    for (let t = 0; t < b - a; t++) {
      const i = t * nc;
      for (let c = 0; c < nc; c++) data[off + i + c] = raw[i + c] * scale[c];
    }
  }
  if (src.counter) {
    src.counter.frames += Math.max(0, b - a);
    src.counter.reads++;
  }
  return { data, numSamples: total, numChannels: nc, firstSample: first, framesRead: Math.max(0, b - a) };
}

/** [start, end) chunks covering a segment. */
export function chunkRanges(numSamples: number, chunkSamples: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.max(1, Math.floor(chunkSamples));
  for (let s = 0; s < numSamples; s += step) out.push([s, Math.min(numSamples, s + step)]);
  return out;
}
