/**
 * Reading a window of traces with extra samples on both sides: the building block of every lazy
 * preprocessor whose output at t depends on neighbouring samples (filters). Where the margin runs past
 * the segment's edges, samples are synthesised (mirror reflection or zeros) or left out, so that a chunk
 * at the recording's edge is processed exactly as the same samples are inside a whole-array pass.
 */
import type { Recording } from './recording.js';
import { NumericArray, allocArray } from './dtypes.js';

export type MarginMode = 'reflect' | 'zeros' | 'none';

export interface MarginRequest {
  segment?: number;
  start: number;
  end: number;
  channels?: ArrayLike<number>;
  /** Samples wanted on each side of [start, end). */
  margin: number;
  /** What to do where the margin runs past the segment: mirror (numpy 'reflect', edge not repeated), zeros, or omit. */
  mode: MarginMode;
}

export interface TracesWithMargin {
  /** Float32 µV, time-major, (leftMargin + (end - start) + rightMargin) × channels. */
  traces: Float32Array;
  numChannels: number;
  /** Samples before `start` in traces (= margin unless mode is 'none' at the segment start). */
  leftMargin: number;
  rightMargin: number;
  /** Of those, how many lie outside the segment and were synthesised. */
  leftPad: number;
  rightPad: number;
}

/** numpy 'reflect' index into [0, n): ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ..., repeating for long pads. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

export function getTracesWithMargin(parent: Recording, req: MarginRequest): TracesWithMargin {
  return readWithMargin(parent, req, true) as TracesWithMargin;
}

/** Raw margin-padded traces: for callers that scale the raw samples themselves (FilterRecording does so in its kernel). */
export interface RawTracesWithMargin extends Omit<TracesWithMargin, 'traces'> {
  /** The parent's unscaled samples in its own dtype (as getTraces with scaled: false). */
  traces: NumericArray;
}

/** As getTracesWithMargin, without the gains: mode 'zeros' is refused, as a raw 0 is the offset, not 0 µV. */
export function getRawTracesWithMargin(parent: Recording, req: MarginRequest): RawTracesWithMargin {
  if (req.mode === 'zeros') throw new Error("margin mode 'zeros' pads scaled traces only: use getTracesWithMargin");
  return readWithMargin(parent, req, false);
}

function readWithMargin(parent: Recording, req: MarginRequest, scaled: boolean): RawTracesWithMargin {
  const segment = req.segment ?? 0;
  const ns = parent.getNumSamples(segment);
  const { start, end, margin, mode } = req;
  if (!Number.isInteger(margin) || margin < 0) throw new Error(`margin must be a non-negative integer, got ${margin}`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ns || start > end) {
    throw new Error(`frames [${start}, ${end}) are outside segment ${segment} (0..${ns})`);
  }
  const channels = req.channels;
  const nc = channels ? channels.length : parent.numChannels;
  const a = Math.max(0, start - margin);
  const b = Math.min(ns, end + margin);
  const leftPad = a - (start - margin);
  const rightPad = end + margin - b;
  if (mode === 'none' || (leftPad === 0 && rightPad === 0)) {
    const traces = parent.getTraces({ segment, start: a, end: b, channels, scaled });
    return { traces, numChannels: nc, leftMargin: start - a, rightMargin: b - end, leftPad: 0, rightPad: 0 };
  }
  const total = end - start + 2 * margin;
  if (mode === 'zeros') {
    const traces = new Float32Array(total * nc);
    const real = parent.getTraces({ segment, start: a, end: b, channels, scaled: true });
    traces.set(real, leftPad * nc);
    return { traces, numChannels: nc, leftMargin: margin, rightMargin: margin, leftPad, rightPad };
  }
  if (mode !== 'reflect') throw new Error(`unknown margin mode '${String(mode)}': use reflect, zeros or none`);
  if (ns === 0) throw new Error(`segment ${segment} is empty: nothing to reflect`);
  // Read once the span that both the real samples and their mirror images come from.
  let lo = a;
  let hi = b;
  for (let i = start - margin; i < a; i++) hi = Math.max(hi, reflectIndex(i, ns) + 1);
  for (let i = b; i < end + margin; i++) lo = Math.min(lo, reflectIndex(i, ns));
  const src = parent.getTraces({ segment, start: lo, end: hi, channels, scaled });
  const traces = scaled ? new Float32Array(total * nc) : allocArray(parent.dtype, total * nc);
  for (let k = 0; k < total; k++) {
    const s = reflectIndex(start - margin + k, ns) - lo;
    traces.set(src.subarray(s * nc, (s + 1) * nc), k * nc);
  }
  return { traces, numChannels: nc, leftMargin: margin, rightMargin: margin, leftPad, rightPad };
}
