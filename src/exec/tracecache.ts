/**
 * Trace cache: the preprocessed (filtered, re-referenced, drift-corrected) traces written once to a
 * temporary binary file, so that every later pass of a sort reads samples instead of recomputing the
 * preprocessing chain (about 0.45 s per second of 384-channel data each time).
 *
 * Samples are stored as int16 with a per-channel gain of noise sd / stepsPerSigma µV: at 64 steps per
 * sd the rounding error (sd / 64 / √12 ≈ sd / 220) is far below the noise, and ±32767 steps still hold
 * ±512 sd. Samples beyond that are clipped and counted. float32 stores the traces exactly, at twice the size.
 *
 * The writing pass can also detect and localize the peaks for motion estimation (motion/peaks.ts) on
 * the traces exactly as the cache stores them, so motion needs no pass of its own.
 *
 * The folder lives in os.tmpdir() (or a chosen folder); dispose() removes it. Folders of runs that
 * were killed before they could clean up are removed by the next run (their process no longer exists).
 * Freeing gigabytes of file takes the file system about a second per 2 GB, so dispose() renames the
 * folder away at once and deletes it in the background; traceCacheRemovals() waits for that.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Recording } from '../core/recording.js';
import { getKernels } from '../kernels/registry.js';
import { BinaryRecording } from '../io/binary.js';
import {
  MotionPeakConsumer, MotionPeakParams, MotionPeaks, MotionPeakSetup, MotionPeakStitcher, MotionStepLimits,
  concatMotionPeaks, motionChunkInterior, motionPeakSetup, motionPeaksInSteps, motionPeaksInWindow, motionStepLimits,
} from '../motion/peaks.js';
import { formatBytes } from '../io/bytesource.js';
import { CommonReferenceRecording } from '../preprocessing/common_reference.js';
import { readTracesScratch } from '../preprocessing/filter.js';
import { filteredReferencedSteps } from '../preprocessing/fusedsteps.js';
import type { TraceChunk } from './chunks.js';
import { runChunks } from './executor.js';
import { Reporter, silentReporter } from './reporter.js';
import { removeStaleTempEntries } from './stale.js';

export type TraceCacheDtype = 'int16' | 'float32';

export interface TraceCacheOptions {
  /** Per-channel noise standard deviation (µV) of `rec`; sets the int16 step. 0 or non-finite: a 1 µV step. */
  noiseSd: ArrayLike<number>;
  dtype?: TraceCacheDtype;
  /** int16 steps per noise sd (default 64). */
  stepsPerSigma?: number;
  /** Parent folder of the cache folder (default os.tmpdir()). */
  tempDir?: string;
  /** Samples per chunk of the writing pass (default 1 s). */
  chunkSamples?: number;
  jobs?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
  /**
   * Also detect the motion peaks (as detectMotionPeaks on the cached traces, with this noise). With
   * `consume`, they go there a batch at a time in recording order and the cache keeps none of them.
   */
  motionPeaks?: { noiseSd: ArrayLike<number>; params?: MotionPeakParams; consume?: MotionPeakConsumer };
}

export interface TraceCache {
  /** The cached traces: scaled reads give µV, like the recording they were made from. */
  recording: BinaryRecording;
  dir: string;
  dtype: TraceCacheDtype;
  bytesWritten: number;
  /** Chunks of the writing pass (reads of the preprocessed recording). */
  chunks: number;
  /** int16 samples that were beyond ±32767 steps and were clipped. */
  clippedSamples: number;
  /** The motion peaks of the cached traces when options.motionPeaks asked for them (without a consumer). */
  motionPeaks: MotionPeaks | null;
  /**
   * Closes the files and removes the folder from `dir` at once (renamed away, its files deleted in the
   * background: see traceCacheRemovals); safe to call twice.
   */
  dispose(): void;
}

const FOLDER_PREFIX = 'spikeforge-traces-';
const INT16_MAX = 32767;
export const TRACE_CACHE_STEPS_PER_SIGMA = 64;

/** µV per int16 step for each channel. */
export function traceCacheGains(noiseSd: ArrayLike<number>, stepsPerSigma = TRACE_CACHE_STEPS_PER_SIGMA): Float64Array {
  if (!(stepsPerSigma > 0)) throw new Error(`stepsPerSigma must be positive, got ${stepsPerSigma}`);
  return Float64Array.from(noiseSd, (s) => (s > 0 && Number.isFinite(s) ? s / stepsPerSigma : 1));
}

/** Bytes the cache of `rec` takes on disk. */
export function traceCacheBytes(rec: Pick<Recording, 'numChannels' | 'getTotalSamples'>, dtype: TraceCacheDtype = 'int16'): number {
  return rec.getTotalSamples() * rec.numChannels * (dtype === 'int16' ? 2 : 4);
}

/**
 * Rounds time-major µV traces to int16 steps (x / gain, half up), clipping at ±32767; NaN from a broken
 * input sample is stored as 0 rather than propagated. Returns the number of clipped samples.
 */
export function quantizeTraces(traces: Float32Array, numChannels: number, invGain: Float64Array, out: Int16Array): number {
  return getKernels().quantizeInt16(traces, numChannels, invGain, out);
}

interface CacheTaskArgs {
  dtype: TraceCacheDtype;
  /** µV per stored step (the cache recording's gains; 1 for float32). */
  gains: Float64Array;
  invGain: Float64Array;
  /** The cache file of each segment: each chunk is written by the thread that made it. */
  files: string[];
  motion: { noiseSd: Float64Array; params: MotionPeakParams } | null;
}

interface CacheTaskState {
  motion: MotionPeakSetup | null;
  /** int16 caches: the steps at which the motion peaks' threshold is crossed. */
  limits: MotionStepLimits | null;
  /** Reused µV buffer for the rows the motion peaks' localization reads. */
  scratch: { uv: Float32Array };
  /** Reused int16 steps of a chunk (int16 caches). */
  steps: Int16Array;
}

interface CacheChunkResult {
  clipped: number;
  /** Motion peaks of the chunk's interior (motionChunkInterior), when asked for and not empty. */
  motionPeaks: MotionPeaks | null;
}

/** runChunks init (once per thread): the motion peak setup, when the pass detects them. */
export function cacheTaskInit(recording: Recording, args: CacheTaskArgs): CacheTaskState {
  const motion = args.motion ? motionPeakSetup(recording, args.motion.params, args.motion.noiseSd) : null;
  const limits = motion && args.dtype === 'int16' ? motionStepLimits(motion, args.gains) : null;
  return { motion, limits, scratch: { uv: new Float32Array(0) }, steps: new Int16Array(0) };
}

/**
 * runChunks task (any thread): one chunk of preprocessed µV traces, encoded and written to the cache file.
 * Written here rather than on the main thread so that the traces and steps buffers are reused from chunk to chunk.
 */
export function cacheChunkTask(recording: Recording, chunk: TraceChunk, args: CacheTaskArgs, ctx: { state: CacheTaskState }): CacheChunkResult {
  const nc = recording.numChannels;
  let bytes: Uint8Array;
  let steps: Int16Array | null = null;
  let clipped = 0;
  if (args.dtype === 'float32') {
    const tr = readTracesScratch(recording, chunk.segment, chunk.start, chunk.end);
    bytes = new Uint8Array(tr.buffer, tr.byteOffset, tr.byteLength);
  } else {
    const encoded = encodeChunk(recording, chunk, args.invGain, ctx.state);
    steps = encoded.steps;
    clipped = encoded.clipped;
    bytes = new Uint8Array(steps.buffer, steps.byteOffset, steps.byteLength);
  }
  writeAt(args.files[chunk.segment], bytes, chunk.start * nc * bytesPerSample(args.dtype));
  const setup = ctx.state.motion;
  if (!setup) return { clipped, motionPeaks: null };
  const inner = motionChunkInterior(chunk.start, chunk.end, recording.getNumSamples(chunk.segment), setup.margin);
  if (inner.from >= inner.to) return { clipped, motionPeaks: null };
  // Detected on the traces as the cache returns them (int16 steps back to µV), not on tr.
  if (steps && ctx.state.limits) {
    const length = steps.length;
    const peaks = motionPeaksInSteps(recording, steps, args.gains, ctx.state.limits, chunk.segment, chunk.start, inner.from, inner.to, setup, ctx.state.scratch);
    // Steps in the kernels' memory are detached (length 0) if a kernel grew that memory meanwhile: never silently.
    if (steps.length !== length) throw new Error('trace cache: the chunk\'s steps were moved while the motion peaks read them (kernel memory grew): please report this');
    return { clipped, motionPeaks: peaks };
  }
  const uv = cachedRows(bytes, args, nc, 0, chunk.end - chunk.start);
  return { clipped, motionPeaks: motionPeaksInWindow(recording, uv, chunk.segment, chunk.start, inner.from, inner.to, setup) };
}

/**
 * The chunk's int16 steps: for the usual chain (int16 file → filter → global median) in one kernel call that
 * keeps the chunk in the kernels' memory (preprocessing/fusedsteps.ts; the steps may be a view of that memory),
 * else into the task's reused buffer.
 */
function encodeChunk(recording: Recording, chunk: TraceChunk, invGain: Float64Array, state: CacheTaskState): { steps: Int16Array; clipped: number } {
  const fused = filteredReferencedSteps(recording, chunk.segment, chunk.start, chunk.end, invGain);
  if (fused) return fused;
  const length = (chunk.end - chunk.start) * recording.numChannels;
  if (state.steps.length < length) state.steps = new Int16Array(length);
  const steps = state.steps.subarray(0, length);
  return { steps, clipped: quantizeChunk(recording, chunk, invGain, steps) };
}

/**
 * The chunk's preprocessed traces as int16 steps. A global common reference last in the chain is subtracted
 * inside the encoding pass (quantizeInt16RowRef: the same float32 differences) instead of in a pass of its own.
 */
function quantizeChunk(recording: Recording, chunk: TraceChunk, invGain: Float64Array, steps: Int16Array): number {
  if (recording instanceof CommonReferenceRecording) {
    const parts = recording.readScratchUnreferenced(chunk.segment, chunk.start, chunk.end);
    if (parts) return getKernels().quantizeInt16RowRef(parts.traces, recording.numChannels, parts.rowReference, invGain, steps);
  }
  return quantizeTraces(readTracesScratch(recording, chunk.segment, chunk.start, chunk.end), recording.numChannels, invGain, steps);
}

function bytesPerSample(dtype: TraceCacheDtype): number {
  return dtype === 'int16' ? 2 : 4;
}

/** Writes `bytes` at byte `position` of an existing file (opened for this write only: threads share no descriptors). */
function writeAt(file: string, bytes: Uint8Array, position: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
  } finally {
    fs.closeSync(fd);
  }
}

/** Rows [from, to) of a segment's cache file in µV, computed as the cache recording's scaled reads compute them. */
function readCachedRows(fd: number, args: Pick<CacheTaskArgs, 'dtype' | 'gains'>, nc: number, from: number, to: number): Float32Array {
  const frameBytes = nc * bytesPerSample(args.dtype);
  const bytes = new Uint8Array((to - from) * frameBytes);
  let done = 0;
  while (done < bytes.byteLength) {
    const n = fs.readSync(fd, bytes, done, bytes.byteLength - done, from * frameBytes + done);
    if (n === 0) throw new Error(`trace cache: rows [${from}, ${to}) are missing from the cache file: was it truncated while the sort ran?`);
    done += n;
  }
  return cachedRows(bytes, args, nc, 0, to - from);
}

/** Rows [from, to) of an encoded chunk in µV, computed as the cache recording's scaled reads compute them. */
function cachedRows(bytes: Uint8Array, args: Pick<CacheTaskArgs, 'dtype' | 'gains'>, nc: number, from: number, to: number): Float32Array {
  if (args.dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset + from * nc * 4, (to - from) * nc).slice();
  const q = new Int16Array(bytes.buffer, bytes.byteOffset + from * nc * 2, (to - from) * nc);
  const out = new Float32Array(q.length);
  getKernels().dequantizeInt16(q, nc, args.gains, out);
  return out;
}

/** Background deletions started by dispose(), until they end. */
const pendingRemovals = new Set<Promise<void>>();

/**
 * Moves `dir` aside (a sibling with the same prefix and pid, so a killed run's leftover is still found
 * as stale) and deletes it asynchronously, off the caller's critical path: the unlinks of its large
 * `files` are handed to the thread pool at once, so they run even while the caller computes
 * synchronously. Falls back to a synchronous removal when the rename fails.
 */
function removeInBackground(dir: string, files: string[]): void {
  const trash = `${dir}-removing`;
  try {
    fs.renameSync(dir, trash);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  const unlinks = files.map((f) => fs.promises.unlink(path.join(trash, path.basename(f))).catch(() => undefined));
  const done: Promise<void> = Promise.all(unlinks)
    .then(() => fs.promises.rm(trash, { recursive: true, force: true }))
    .catch(() => {
      try {
        fs.rmSync(trash, { recursive: true, force: true });
      } catch {
        // Left for the next run's stale-cache removal (the name keeps this process's id).
      }
    })
    .finally(() => pendingRemovals.delete(done));
  pendingRemovals.add(done);
}

/** Resolves when every trace cache disposed so far is deleted from the disk. */
export async function traceCacheRemovals(): Promise<void> {
  while (pendingRemovals.size > 0) await Promise.all([...pendingRemovals]);
}

/** Removes cache folders in `parent` left by sorts that were killed; returns the removed paths. */
export function removeStaleTraceCaches(parent: string): string[] {
  return removeStaleTempEntries(parent, FOLDER_PREFIX);
}

/** Free bytes on the file system holding `dir`, or Infinity when it cannot be asked. */
export function freeDiskBytes(dir: string): number {
  try {
    const s = fs.statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return Infinity;
  }
}

/** Writes `rec` once, chunk by chunk on worker threads, into a new temporary folder and opens it. */
export async function cacheTraces(rec: Recording, opts: TraceCacheOptions): Promise<TraceCache> {
  const reporter = opts.reporter ?? silentReporter;
  const dtype = opts.dtype ?? 'int16';
  const nc = rec.numChannels;
  if (opts.noiseSd.length !== nc) throw new Error(`trace cache: ${opts.noiseSd.length} noise levels for ${nc} channels`);
  const parent = path.resolve(opts.tempDir ?? os.tmpdir());
  if (!fs.existsSync(parent)) throw new Error(`${parent}: the temporary folder for the trace cache does not exist: create it or choose another (execution.tempDir)`);
  removeStaleTraceCaches(parent);
  const need = traceCacheBytes(rec, dtype);
  const free = freeDiskBytes(parent);
  if (need > free) {
    throw new Error(`${parent}: the trace cache needs ${formatBytes(need)} bytes but only ${formatBytes(free)} are free: choose another execution.tempDir or set execution.cacheTraces = off`);
  }
  const dir = fs.mkdtempSync(path.join(parent, `${FOLDER_PREFIX}${process.pid}-`));
  const gains = dtype === 'int16' ? traceCacheGains(opts.noiseSd, opts.stepsPerSigma) : new Float64Array(nc).fill(1);
  const files = Array.from({ length: rec.numSegments }, (_, s) => path.join(dir, `traces_seg${s}.raw`));
  let recording: BinaryRecording | null = null;
  const dispose = () => {
    recording?.close();
    recording = null;
    if (fs.existsSync(dir)) removeInBackground(dir, files);
  };
  const fds: number[] = [];
  let clipped = 0;
  let chunks = 0;
  let motionPeaks: MotionPeaks | null = null;
  try {
    // Created here (the chunk tasks write into them); read back for the motion peaks at chunk boundaries.
    for (const f of files) fds.push(fs.openSync(f, 'wx+'));
    reporter.log('info', `caching preprocessed traces (${formatBytes(need)} bytes, ${dtype}) in ${dir}${opts.motionPeaks ? ', with the motion peaks' : ''}`);
    const mp = opts.motionPeaks;
    const args: CacheTaskArgs = {
      dtype,
      gains,
      invGain: gains.map((g) => 1 / g),
      files,
      motion: mp ? { noiseSd: Float64Array.from(mp.noiseSd), params: mp.params ?? {} } : null,
    };
    const collected: MotionPeaks[] = [];
    const consume = mp?.consume ?? ((p: MotionPeaks) => void collected.push(p));
    const stitcher = args.motion ? new MotionPeakStitcher(rec, motionPeakSetup(rec, args.motion.params, args.motion.noiseSd), consume) : null;
    const run = await runChunks<CacheChunkResult>({
      recording: rec,
      label: 'cache traces',
      chunkSize: opts.chunkSamples,
      jobs: opts.jobs,
      reporter,
      signal: opts.signal,
      task: { module: import.meta.url, exportName: 'cacheChunkTask', init: 'cacheTaskInit', args },
      onResult: (chunk, r) => {
        clipped += r.clipped;
        stitcher?.push(chunk, (a, b) => readCachedRows(fds[chunk.segment], args, nc, a, b), r.motionPeaks);
      },
    });
    stitcher?.finish();
    if (stitcher && !mp?.consume) motionPeaks = concatMotionPeaks(collected);
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    chunks = run.numChunks;
    recording = new BinaryRecording({
      files,
      samplingFrequency: rec.samplingFrequency,
      numChannelsInFile: nc,
      dtype,
      numSamples: Array.from({ length: rec.numSegments }, (_, s) => rec.getNumSamples(s)),
      init: rec.baseInit({ dtype, gains, offsets: new Float64Array(nc) }),
    });
  } catch (e) {
    for (const fd of fds) fs.closeSync(fd);
    dispose();
    throw e;
  }
  if (clipped > 0) reporter.log('warn', `trace cache: ${clipped} samples beyond ±${Math.floor(INT16_MAX / (opts.stepsPerSigma ?? TRACE_CACHE_STEPS_PER_SIGMA))} noise sd were clipped`);
  return { recording, dir, dtype, bytesWritten: need, chunks, clippedSamples: clipped, motionPeaks, dispose };
}

export type TraceCacheMode = 'auto' | 'on' | 'off';

/**
 * Whether to cache: 'auto' caches when there is preprocessing to save (`pre` is not the input itself),
 * at least two full passes will read it, and the temporary folder has room to spare (twice the cache).
 */
export function decideTraceCache(
  mode: TraceCacheMode,
  input: Recording,
  pre: Recording,
  fullPasses: number,
  dtype: TraceCacheDtype = 'int16',
  tempDir: string = os.tmpdir(),
): { cache: boolean; reason: string } {
  if (mode === 'off') return { cache: false, reason: 'execution.cacheTraces = off' };
  if (mode === 'on') return { cache: true, reason: 'execution.cacheTraces = on' };
  if (pre === input) return { cache: false, reason: 'no preprocessing to save: the passes read the input directly' };
  if (fullPasses < 2) return { cache: false, reason: `only ${fullPasses} full pass(es) read the traces` };
  const need = traceCacheBytes(pre, dtype);
  const free = freeDiskBytes(fs.existsSync(tempDir) ? tempDir : os.tmpdir());
  if (2 * need > free) {
    return { cache: false, reason: `the trace cache (${formatBytes(need)} bytes) would take more than half the ${formatBytes(free)} bytes free in ${tempDir}: set execution.tempDir to a larger disk` };
  }
  return { cache: true, reason: `${fullPasses} passes read the preprocessed traces once cached` };
}
