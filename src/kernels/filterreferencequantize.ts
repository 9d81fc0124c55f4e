/**
 * The trace cache's chunk as one kernel call: int16 raw rows → µV (× gain) → sosfilt forward (and backward)
 * → per-row median over a channel subset (clipped or plain) on the reference window → x − ref encoded as
 * int16 steps on the output rows. The same kernels in the same order as FilterRecording →
 * CommonReferenceRecording → quantizeInt16RowRef, so the same values; a backend with its own memory (WASM)
 * keeps the block there from the file read to the encoded rows instead of copying it in and out around
 * every step.
 */
import type { Kernels } from './types.js';
import { checkSosfiltfilt } from './sosfiltfilt.js';

export interface FilterReferenceQuantizeJob {
  /** Filter sections (numSections × 6) and their steady-state delays for a unit input (numSections × 2). */
  sos: Float64Array;
  zi: Float64Array;
  /** Forward and backward (zero-phase) or forward only. */
  zeroPhase: boolean;
  numChannels: number;
  /** µV per raw step for each channel (positive). */
  gain: Float64Array;
  /** Rows of the raw block, filter margins included. */
  rawRows: number;
  /** The reference window: filtered rows [windowFrom, windowFrom + windowRows) of the raw block. */
  windowFrom: number;
  windowRows: number;
  /** Channels the median runs over. */
  subset: Int32Array;
  /** Clipped median: clip (µV), rows back and ahead (Kernels.clippedMedianAcrossChannels). clipUv 0: plain median. */
  clipUv: number;
  back: number;
  fwd: number;
  /** Encoded rows: [outFrom, outFrom + outRows) of the window. */
  outFrom: number;
  outRows: number;
  /** Steps per µV for each channel (quantizeInt16RowRef). */
  invGain: Float64Array;
}

export interface FilterReferenceQuantizeResult {
  /** outRows × numChannels steps; in the kernels' memory for WASM: valid until the next call of this kernel. */
  steps: Int16Array;
  /** Values clipped at ±32767 steps. */
  clipped: number;
}

/** Validates a job's shapes; returns the raw block's value count. */
export function checkFilterReferenceQuantize(job: FilterReferenceQuantizeJob): number {
  const { numChannels: nc, rawRows, windowFrom, windowRows, outFrom, outRows } = job;
  const name = 'filterReferenceQuantize';
  if (!Number.isInteger(rawRows) || rawRows < 0) throw new Error(`${name}: rawRows = ${rawRows} must be an integer ≥ 0`);
  const n = rawRows * nc;
  checkSosfiltfilt(job.sos, job.zi, new Int16Array(0), nc, job.gain, new Float32Array(0), 0);
  if (!job.gain.subarray(0, nc).every((g) => g > 0)) throw new Error(`${name}: every gain must be positive`);
  if (!Number.isInteger(windowFrom) || !Number.isInteger(windowRows) || windowFrom < 0 || windowRows < 0 || windowFrom + windowRows > rawRows) {
    throw new Error(`${name}: window rows [${windowFrom}, ${windowFrom + windowRows}) are outside the ${rawRows} raw rows`);
  }
  if (!Number.isInteger(outFrom) || !Number.isInteger(outRows) || outFrom < 0 || outRows < 0 || outFrom + outRows > windowRows) {
    throw new Error(`${name}: output rows [${outFrom}, ${outFrom + outRows}) are outside the ${windowRows} window rows`);
  }
  for (let j = 0; j < job.subset.length; j++) {
    const c = job.subset[j];
    if (!(c >= 0 && c < nc)) throw new Error(`${name}: subset[${j}] = ${c} is not a channel index in 0..${nc - 1}`);
  }
  if (!(job.clipUv >= 0) || !Number.isFinite(job.clipUv)) throw new Error(`${name}: clipUv = ${job.clipUv} must be a finite number ≥ 0`);
  if (!(Number.isInteger(job.back) && job.back >= 0 && Number.isInteger(job.fwd) && job.fwd >= 0)) throw new Error(`${name}: back = ${job.back} and fwd = ${job.fwd} must be integers ≥ 0`);
  if (job.invGain.length < nc) throw new Error(`${name}: ${job.invGain.length} steps per µV for ${nc} channels`);
  return n;
}

/** Per-backend buffers of filterReferenceQuantizeWith, grown and reused: a chunk's fresh arrays would cost their page faults every call. */
const scratchOf = new WeakMap<Kernels, { raw: Int16Array; x: Float32Array; ref: Float32Array; steps: Int16Array }>();

function grown<T extends Int16Array | Float32Array>(a: T, n: number, make: (n: number) => T): T {
  return (a.length >= n ? a.subarray(0, n) : make(n)) as T;
}

/**
 * The job through backend k's separate kernels (sosfiltfilt, (clipped) median, quantizeInt16RowRef): the
 * definition of the fused kernel, and what a backend without its own memory runs. `fill` writes the raw rows
 * into the array it is given; when it returns false nothing is computed (null). The steps are valid until the
 * next call for the same backend.
 */
export function filterReferenceQuantizeWith(
  k: Kernels, job: FilterReferenceQuantizeJob, fill: (raw: Int16Array) => boolean,
): FilterReferenceQuantizeResult | null {
  const n = checkFilterReferenceQuantize(job);
  const nc = job.numChannels;
  const had = scratchOf.get(k) ?? { raw: new Int16Array(0), x: new Float32Array(0), ref: new Float32Array(0), steps: new Int16Array(0) };
  const s = {
    raw: grown(had.raw, n, (m) => new Int16Array(m)),
    x: grown(had.x, job.windowRows * nc, (m) => new Float32Array(m)),
    ref: grown(had.ref, job.windowRows, (m) => new Float32Array(m)),
    steps: grown(had.steps, job.outRows * nc, (m) => new Int16Array(m)),
  };
  // Kept at full size (views share their buffer), so a smaller call does not shrink them.
  scratchOf.set(k, {
    raw: s.raw.length >= had.raw.length ? s.raw : had.raw,
    x: s.x.length >= had.x.length ? s.x : had.x,
    ref: s.ref.length >= had.ref.length ? s.ref : had.ref,
    steps: s.steps.length >= had.steps.length ? s.steps : had.steps,
  });
  if (!fill(s.raw)) return null;
  if (job.windowRows > 0) k.sosfiltfilt(job.sos, job.zi, s.raw, nc, job.gain, job.zeroPhase, s.x, job.windowFrom);
  if (job.windowRows > 0) {
    if (job.clipUv > 0) k.clippedMedianAcrossChannels(s.x, nc, job.subset, s.ref, 1, 0, job.clipUv, job.back, job.fwd);
    else k.medianAcrossChannels(s.x, nc, job.subset, s.ref, 1, 0);
  }
  const rows = s.x.subarray(job.outFrom * nc, (job.outFrom + job.outRows) * nc);
  const clipped = k.quantizeInt16RowRef(rows, nc, s.ref.subarray(job.outFrom, job.outFrom + job.outRows), job.invGain, s.steps);
  return { steps: s.steps, clipped };
}
