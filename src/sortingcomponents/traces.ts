/**
 * Normalised trace windows: µV traces of a (preprocessed) recording multiplied by a per-channel
 * scale so that noise has unit standard deviation, read with margins and zero-padded at the
 * segment edges. Every sorter stage sees traces through this one function.
 */
import type { NumericArray } from '../core/dtypes.js';
import type { Recording } from '../core/recording.js';
import { getKernels } from '../kernels/registry.js';

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

/**
 * Rows [start - margin, end + margin) of a segment in noise units. `into`, when given (at least that many
 * values, or a function returning such a buffer for a window length, called after the read), receives the
 * window instead of a fresh array: the returned data is a view of it.
 */
export function readNormalized(src: NormalizedSource, segment: number, start: number, end: number, margin: number, into?: Float32Array | ((length: number) => Float32Array)): TraceWindow {
  const rec = src.recording;
  const nc = rec.numChannels;
  const { first, total, a, b } = windowSpan(rec, segment, start, end, margin);
  // Read before `into` is asked for: a read may run kernels, which may detach a resident buffer (kernels.residentFloat32).
  const raw = b > a ? readRawWindow(rec, segment, a, b) : null;
  const buffer = typeof into === 'function' ? into(total * nc) : into;
  const data = buffer ? reusedWindow(buffer, total * nc, (b > a ? a - first : total) * nc, (b > a ? b - first : total) * nc) : new Float32Array(total * nc);
  if (raw) {
    // Raw samples straight to noise units in one pass: no intermediate µV block of the whole window.
    const f = channelNormalizer(src);
    const out = data.subarray((a - first) * nc, (b - first) * nc);
    if (raw instanceof Int16Array && kernelsNormalize(f)) normalizeRows16Kernels(raw, f, out);
    else if (raw instanceof Int16Array) normalizeRows16(raw, f, out, 0);
    else normalizeRowsAny(raw, f, out, 0);
  }
  if (src.counter) {
    src.counter.frames += Math.max(0, b - a);
    src.counter.reads++;
  }
  return { data, numSamples: total, numChannels: nc, firstSample: first, framesRead: Math.max(0, b - a) };
}

/**
 * The rows a window [start − margin, end + margin) of a segment spans (first, total) and the part of them
 * inside the segment [a, b); rows outside are zero padding.
 */
export function windowSpan(rec: Recording, segment: number, start: number, end: number, margin: number): { first: number; total: number; a: number; b: number } {
  const first = start - margin;
  return { first, total: end - start + 2 * margin, a: Math.max(0, first), b: Math.min(rec.getNumSamples(segment), end + margin) };
}

/** A recording that reads all channels' raw samples into a buffer it reuses (io/binary.ts BinaryRecording). */
interface RawScratchRecording {
  readRawScratch(segment: number, start: number, end: number): NumericArray | null;
}

/**
 * The recording's reused-buffer raw read (every channel; the block is valid until its next call), or null
 * when it has none. Duck-typed so that no module here imports the Node file reader. A null from the read
 * itself means: use getTraces.
 */
export function rawScratchReader(rec: Recording): ((segment: number, start: number, end: number) => NumericArray | null) | null {
  const r = rec as Partial<RawScratchRecording>;
  return typeof r.readRawScratch === 'function' ? (segment, start, end) => r.readRawScratch!.call(rec, segment, start, end) : null;
}

/**
 * getTraces({ segment, start, end }) (raw samples, every channel), from the recording's reused buffer when it
 * has one: no fresh array, and no page faults on it, per window. readNormalized consumes the block at once.
 */
function readRawWindow(rec: Recording, segment: number, start: number, end: number): NumericArray {
  return rawScratchReader(rec)?.(segment, start, end) ?? rec.getTraces({ segment, start, end });
}

/**
 * A view of the first `length` values of `buffer` with the zero padding of a fresh window: values outside
 * [readFrom, readTo) are zeroed, those inside are about to be overwritten by the read.
 */
function reusedWindow(buffer: Float32Array, length: number, readFrom: number, readTo: number): Float32Array {
  if (buffer.length < length) throw new Error(`readNormalized: a buffer of ${buffer.length} values cannot hold the window's ${length}`);
  const data = buffer.subarray(0, length);
  data.fill(0, 0, readFrom);
  data.fill(0, readTo);
  return data;
}

/** Per-channel factors from raw samples to noise units. */
export interface ChannelNormalizer {
  gain: Float64Array;
  offset: Float64Array;
  scale: Float32Array;
}

export function channelNormalizer(src: NormalizedSource): ChannelNormalizer {
  return { gain: src.recording.gains, offset: src.recording.offsets, scale: src.scale };
}

/**
 * One raw sample in noise units: µV rounded to float32 (as getTraces({scaled}) returns them), times
 * the channel's scale. Every read goes through this, so a sample's value never depends on the window
 * or the channel subset it was read with (the caller stores it in a Float32Array).
 */
export function normalizeSample(raw: number, gain: number, offset: number, scale: number): number {
  return Math.fround(gain === 1 && offset === 0 ? raw : raw * gain + offset) * scale;
}

/**
 * Whether the int16 → noise-unit step may run on the kernels' normalizeInt16: with zero offsets and
 * positive gains, fround(q · gain) · scale is normalizeSample exactly (no -0 from a negative gain).
 */
function kernelsNormalize(f: ChannelNormalizer): boolean {
  for (let c = 0; c < f.gain.length; c++) if (f.offset[c] !== 0 || !(f.gain[c] > 0)) return false;
  return true;
}

/** normalizeRows16 through the kernels (WASM SIMD when available): the trace cache's every read. */
function normalizeRows16Kernels(raw: Int16Array, f: ChannelNormalizer, out: Float32Array): void {
  getKernels().normalizeInt16(raw, f.gain.length, f.gain, f.scale, out);
}

// One monomorphic loop for int16 (the trace cache and most raw files): a loop shared by every array type runs several times slower.
function normalizeRows16(raw: Int16Array, f: ChannelNormalizer, out: Float32Array, outOffset: number): void {
  const nc = f.gain.length;
  const { gain, offset, scale } = f;
  for (let i = 0; i < raw.length; i += nc) {
    const o = outOffset + i;
    for (let c = 0; c < nc; c++) out[o + c] = normalizeSample(raw[i + c], gain[c], offset[c], scale[c]);
  }
}

function normalizeRowsAny(raw: NumericArray, f: ChannelNormalizer, out: Float32Array, outOffset: number): void {
  const nc = f.gain.length;
  const { gain, offset, scale } = f;
  for (let i = 0; i < raw.length; i += nc) {
    const o = outOffset + i;
    for (let c = 0; c < nc; c++) out[o + c] = normalizeSample(raw[i + c], gain[c], offset[c], scale[c]);
  }
}

/** [start, end) chunks covering a segment. */
export function chunkRanges(numSamples: number, chunkSamples: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.max(1, Math.floor(chunkSamples));
  for (let s = 0; s < numSamples; s += step) out.push([s, Math.min(numSamples, s + step)]);
  return out;
}
