/**
 * Windows of int16 steps (the trace cache's samples) read without normalising them: the detection kernels
 * normalise rows as they consume them (Kernels.int16CorrelationCrossings, Kernels.stepsProjections), so no
 * normalised copy of a window is made. Every value they see is exactly what readNormalized gives for it.
 */
import { rawScratchReader, windowSpan, type NormalizedSource } from './traces.js';
import { getKernels } from '../kernels/registry.js';

export interface StepsWindow {
  /** Time-major int16 steps, numSamples × numChannels; rows outside the segment are 0 (as readNormalized's zero padding). */
  steps: Int16Array;
  numSamples: number;
  numChannels: number;
  /** Segment sample index of row 0 (may be negative). */
  firstSample: number;
  /** Frames actually read from the recording, for I/O accounting. */
  framesRead: number;
  /** µV per step (per channel): a sample in noise units is fround(fround(step · gain[c]) · scale[c]). */
  gain: Float64Array;
  scale: Float32Array;
}

/**
 * Whether a source's samples in noise units are fround(fround(step · gain) · scale) of int16 steps, with a
 * 0 step giving +0 as the zero padding does: int16 storage, zero offsets, finite positive gains, finite
 * non-negative scales, and a reused-buffer raw read (duck-typed: no Node import here).
 */
export function readsAsSteps(src: NormalizedSource): boolean {
  const rec = src.recording;
  if (rec.dtype !== 'int16' || !rawScratchReader(rec)) return false;
  for (let c = 0; c < rec.numChannels; c++) {
    const g = rec.gains[c];
    const s = src.scale[c];
    if (rec.offsets[c] !== 0 || !(g > 0) || !Number.isFinite(g) || !(s >= 0) || !Number.isFinite(s)) return false;
  }
  return true;
}

/** This thread's buffer for windows that reach past a segment edge (reused: a window is valid until the next read). */
const padded = { steps: new Int16Array(0) };

function paddedSteps(length: number): Int16Array {
  if (padded.steps.length < length) padded.steps = new Int16Array(length);
  return padded.steps.subarray(0, length);
}

/** residentFloat32 slot of the steps window. */
const STEPS_WINDOW_SLOT = 0x7374;

/** `length` int16 values in the kernels' own memory (half as many float32 slots, rounded up). */
function residentSteps(resident: (slot: number, length: number) => Float32Array, length: number): Int16Array {
  const f = resident(STEPS_WINDOW_SLOT, Math.ceil(length / 2));
  return new Int16Array(f.buffer, f.byteOffset, length);
}

/**
 * Rows [start − margin, end + margin) of a segment as int16 steps, or null when the source does not read as
 * steps (readsAsSteps): then use readNormalized. The steps are a view of a reused buffer (the kernels' memory,
 * the recording's or this module's), valid until the next read on this thread (and, in the kernels' memory,
 * while no kernel call grows it: Kernels.residentFloat32).
 */
export function readStepsWindow(src: NormalizedSource, segment: number, start: number, end: number, margin: number): StepsWindow | null {
  if (!readsAsSteps(src)) return null;
  const rec = src.recording;
  const nc = rec.numChannels;
  const { first, total, a, b } = windowSpan(rec, segment, start, end, margin);
  const raw = b > a ? rawScratchReader(rec)!(segment, a, b) : new Int16Array(0);
  if (raw !== null && !(raw instanceof Int16Array)) return null;
  const resident = getKernels().residentFloat32;
  let steps: Int16Array;
  if (raw !== null && a === first && b - a === total && !resident) steps = raw;
  else {
    // With kernels that have their own memory (WASM) the window is copied there once and read in place by
    // every kernel; a window past a segment edge is padded with 0 steps.
    steps = resident ? residentSteps(resident, total * nc) : paddedSteps(total * nc);
    steps.fill(0, 0, (a - first) * nc);
    steps.fill(0, Math.max(a - first, b - first) * nc);
    if (b > a) steps.set(raw ?? (rec.getTraces({ segment, start: a, end: b }) as Int16Array), (a - first) * nc);
  }
  if (src.counter) {
    src.counter.frames += Math.max(0, b - a);
    src.counter.reads++;
  }
  return { steps, numSamples: total, numChannels: nc, firstSample: first, framesRead: Math.max(0, b - a), gain: rec.gains, scale: src.scale };
}
