/**
 * The detection passes over the recording: (1) on a few random chunks, learn the prototype
 * waveform and temporal PCA basis from high-threshold peaks; (2) over every chunk, detect peaks on
 * the matched-filter output and keep a reservoir sample of each peak channel's peaks with their
 * neighbourhood PCA features for clustering.
 */
import type { NumericArray } from '../core/dtypes.js';
import type { Recording } from '../core/recording.js';
import type { TraceChunk } from '../exec/chunks.js';
import { runChunks } from '../exec/executor.js';
import type { Reporter } from '../exec/reporter.js';
import { Polarity, detectMatchedPeaks, detectPeaks, matchedFilter } from './detection.js';
import { TemporalBasis, copyWaveform, learnTemporalBasis, projectSnippet } from './features.js';
import { seededRandom } from './random.js';
import { Float32Scratch } from './scratch.js';
import { getKernels } from '../kernels/registry.js';
import { basisByRow } from '../kernels/basisprojections.js';
import { NormalizedSource, TraceWindow, readNormalized } from './traces.js';
import { PeakDetectOptions, Peaks, peaksAmongCrossings } from './detection.js';
import { StepsWindow, readStepsWindow } from './stepswindow.js';

export interface DetectionSetup {
  polarity: Polarity;
  nBefore: number;
  length: number;
  exclusionSamples: number;
  dedupNeighbours: Int32Array[];
  featureNeighbours: Int32Array[];
  chunkSamples: number;
}

export interface Prototype {
  basis: TemporalBasis;
  /** Unit-norm prototype for the matched filter, extremum at `peakIndex`. */
  filter: Float32Array;
  peakIndex: number;
  /** Per-channel factor bringing the matched-filter output to unit noise. */
  filterScale: Float32Array;
  numPeaksUsed: number;
}

export function learnPrototype(
  src: NormalizedSource,
  setup: DetectionSetup,
  opts: { threshold: number; numComponents: number; maxPeaks: number; numChunks: number; seed: number },
): Prototype {
  const rec = src.recording;
  const nc = rec.numChannels;
  const rand = seededRandom(opts.seed);
  const waves: Float32Array[] = [];
  const windows: ChunkWindow[] = [];
  for (let k = 0; k < opts.numChunks; k++) {
    const seg = Math.floor(rand() * rec.numSegments);
    const ns = rec.getNumSamples(seg);
    const len = Math.min(ns, setup.chunkSamples);
    const start = Math.floor(rand() * (ns - len + 1));
    windows.push({ seg, start, end: start + len });
  }
  const L = setup.length;
  // Every window is done with once its waveforms are copied: all share one buffer (fresh memory for each
  // 46 MB window of 384 channels cost more in page faults than detecting its peaks).
  const scratch = new Float32Scratch();
  for (const w of windows) {
    const win = readWindowInto(src, w.seg, w.start, w.end, L, scratch);
    const peaks = detectPeaks(win.data, win.numSamples, nc, L, win.numSamples - L, win.firstSample, {
      threshold: opts.threshold,
      exclusionSamples: setup.exclusionSamples,
      dedupNeighbours: setup.dedupNeighbours,
      polarity: setup.polarity,
    });
    for (let i = 0; i < peaks.sample.length; i++) {
      const buf = new Float32Array(L);
      copyWaveform(win.data, nc, peaks.sample[i] - win.firstSample, peaks.channel[i], setup.nBefore, L, buf, 0);
      // Positive-going peaks are flipped so that one prototype serves both polarities.
      if (setup.polarity === 'both' && peaks.value[i] > 0) for (let p = 0; p < L; p++) buf[p] = -buf[p];
      waves.push(buf);
    }
  }
  const rand2 = seededRandom(opts.seed + 1);
  while (waves.length > opts.maxPeaks) waves.splice(Math.floor(rand2() * waves.length), 1);
  const flat = new Float32Array(waves.length * L);
  waves.forEach((w, i) => flat.set(w, i * L));
  const { filter, peakIndex } = waves.length > 0 ? prototypeFilter(flat, L, setup.nBefore, src.recording.samplingFrequency) : fallbackFilter(src.recording.samplingFrequency);
  const basis = waves.length > 0 ? learnTemporalBasis(flat, L, opts.numComponents, setup.nBefore) : fallbackBasis(L, setup.nBefore, opts.numComponents, src.recording.samplingFrequency);
  // The first windows measure the filter's noise: read again, one at a time into the same buffer, with the
  // filter's length as margin (a re-read from the page cache costs less than holding 4 windows).
  const F = filter.length;
  const read = (w: ChunkWindow) => readWindowInto(src, w.seg, w.start, w.end, F, scratch);
  const filterScale = matchedFilterNoise(windows.slice(0, MATCHED_NOISE_WINDOWS), read, nc, filter, peakIndex);
  scratch.release();
  return { basis, filter, peakIndex, filterScale, numPeaksUsed: waves.length };
}

/** The median waveform around its extremum, ±0.5 ms, unit norm. */
function prototypeFilter(flat: Float32Array, L: number, nBefore: number, fs: number): { filter: Float32Array; peakIndex: number } {
  const n = flat.length / L;
  const med = new Float32Array(L);
  const col = new Float32Array(n);
  for (let p = 0; p < L; p++) {
    for (let i = 0; i < n; i++) col[i] = flat[i * L + p];
    med[p] = Float32Array.from(col).sort()[n >> 1];
  }
  const half = Math.max(2, Math.round(0.0005 * fs));
  const a = Math.max(0, nBefore - half);
  const b = Math.min(L, nBefore + half + 1);
  const f = med.slice(a, b);
  // Positive at the extremum, so the filter output keeps the sign of the spikes it detects.
  const norm = (Math.hypot(...f) || 1) * (f[nBefore - a] < 0 ? -1 : 1);
  for (let i = 0; i < f.length; i++) f[i] /= norm;
  return { filter: f, peakIndex: nBefore - a };
}

/** Without any peak to learn from, a Gaussian trough stands in for the spike shape. */
function fallbackFilter(fs: number): { filter: Float32Array; peakIndex: number } {
  const half = Math.max(2, Math.round(0.0005 * fs));
  const sd = Math.max(1, 0.00015 * fs);
  const f = Float32Array.from({ length: 2 * half + 1 }, (_, i) => Math.exp(-(((i - half) / sd) ** 2) / 2));
  const norm = Math.hypot(...f);
  return { filter: f.map((v) => v / norm), peakIndex: half };
}

function fallbackBasis(L: number, nBefore: number, k: number, fs: number): TemporalBasis {
  // Gaussian bumps at the peak and around it: a neutral basis when no spike was seen.
  const comps = new Float32Array(k * L);
  const sd = Math.max(1, 0.0002 * fs);
  for (let r = 0; r < k; r++) {
    const centre = nBefore + (r === 0 ? 0 : (r % 2 ? 1 : -1) * Math.ceil(r / 2) * 2 * sd);
    let norm = 0;
    for (let p = 0; p < L; p++) norm += (comps[r * L + p] = Math.exp(-(((p - centre) / sd) ** 2) / 2)) ** 2;
    for (let p = 0; p < L; p++) comps[r * L + p] /= Math.sqrt(norm) || 1;
  }
  return { components: comps, numComponents: k, length: L, nBefore };
}

/** The first this many chunks measure the matched filter's noise level. */
const MATCHED_NOISE_WINDOWS = 4;

/** A window of a segment, before its margins. */
interface ChunkWindow {
  seg: number;
  start: number;
  end: number;
}

/**
 * readNormalized into `scratch` (valid until its next use; readNormalized takes the buffer only after its read,
 * which reuses the recording's raw buffer when it has one).
 */
function readWindowInto(src: NormalizedSource, segment: number, start: number, end: number, margin: number, scratch: Float32Scratch): TraceWindow {
  return readNormalized(src, segment, start, end, margin, (length) => scratch.take(length));
}

/**
 * Channels whose matched-filter outputs are stacked together: one kernel call selects their MADs, on a
 * block of rows × 32 float32 (15 MB for 4 one-second windows).
 */
const NOISE_CHANNEL_BLOCK = 32;

/** Output rows filtered per kernel call: the piece (1.5 MB on 384 channels) is still in cache when it is scattered into the blocks. */
const NOISE_ROWS_PER_PIECE = 1024;

/** MAD of Gaussian noise / its standard deviation (as noise.ts). */
const MAD_TO_SD = 0.6744897501960817;

/** blocks[b][(n + r) · nb + j] = piece[r · nc + 32b + j]: rows of a piece scattered into the channel blocks, each row read once. */
function scatterRows(piece: Float32Array, numRows: number, nc: number, blocks: Float32Array[], n: number): void {
  for (let b = 0; b < blocks.length; b++) {
    const c0 = b * NOISE_CHANNEL_BLOCK;
    const nb = Math.min(NOISE_CHANNEL_BLOCK, nc - c0);
    const block = blocks[b];
    let o = n * nb;
    for (let r = 0; r < numRows; r++) {
      const row = r * nc + c0;
      for (let j = 0; j < nb; j++) block[o++] = piece[row + j];
    }
  }
}

/**
 * Per channel, 1 / the robust sd of the matched-filter output over the windows: rows F .. numSamples − F of
 * each window (its margin is the filter's length F), where matchedFilter's row t is the 'valid' correlation
 * of data rows t − peakIndex .. t − peakIndex + F − 1. Those rows are correlated a piece at a time straight
 * into blocks of channels (no full-window output is held or read back across memory), and one kernel call
 * per block selects every channel's MAD exactly (the values madSigmaInPlace gives a float64 column).
 */
function matchedFilterNoise(windows: ChunkWindow[], read: (w: ChunkWindow) => TraceWindow, nc: number, filter: Float32Array, peakIndex: number): Float32Array {
  const F = filter.length;
  const kernels = getKernels();
  // A window read with margin F scores its own rows, end − start of them.
  const rows = windows.reduce((a, w) => a + Math.max(0, w.end - w.start), 0);
  // Views of one allocation: one memory map, given back whole when the stage ends (separate 15 MB blocks
  // would stay with the allocator's heap for the rest of the sort: see RESERVOIR_BLOCK_MAX_BYTES).
  const all = new Float32Array(nc * rows);
  const blocks: Float32Array[] = [];
  for (let c0 = 0; c0 < nc; c0 += NOISE_CHANNEL_BLOCK) blocks.push(all.subarray(c0 * rows, (c0 + Math.min(NOISE_CHANNEL_BLOCK, nc - c0)) * rows));
  const piece = new Float32Array(Math.min(NOISE_ROWS_PER_PIECE, rows) * nc);
  let n = 0;
  for (const w of windows) {
    const win = read(w);
    for (let t0 = F; t0 < win.numSamples - F; t0 += NOISE_ROWS_PER_PIECE) {
      const t1 = Math.min(t0 + NOISE_ROWS_PER_PIECE, win.numSamples - F);
      const input = win.data.subarray((t0 - peakIndex) * nc, (t1 - 1 - peakIndex + F) * nc);
      kernels.correlateChannels(input, nc, filter, F, piece.subarray(0, (t1 - t0) * nc));
      scatterRows(piece, t1 - t0, nc, blocks, n);
      n += t1 - t0;
    }
  }
  const medianMad = new Float64Array(2 * NOISE_CHANNEL_BLOCK);
  const scale = new Float32Array(nc);
  blocks.forEach((block, b) => {
    const nb = Math.min(NOISE_CHANNEL_BLOCK, nc - b * NOISE_CHANNEL_BLOCK);
    kernels.channelMedianAndMad(block, nb, medianMad);
    for (let j = 0; j < nb; j++) {
      const s = medianMad[2 * j + 1] / MAD_TO_SD;
      scale[b * NOISE_CHANNEL_BLOCK + j] = s > 0 ? 1 / s : 0;
    }
  });
  return scale;
}

export interface PeakSample {
  /** Peaks kept per peak channel (reservoir sample). */
  segment: Int32Array[];
  sample: Float64Array[];
  /** Per channel: count × featureDim, features on that channel's neighbourhood (zero padded). */
  features: Float32Array[];
  featureDim: number;
  /** All peaks detected per channel. */
  totalPeaks: Int32Array;
}

export interface DetectPassOptions {
  threshold: number;
  matchedFilter: boolean;
  maxPerChannel: number;
  maxNeighbours: number;
  seed: number;
  /** Worker threads (default: all cores); results do not depend on it. */
  jobs?: number;
}

/** Peaks of one chunk with the neighbourhood features of every one of them (count × featureDim). */
export interface ChunkPeaks {
  sample: Float64Array;
  channel: Int32Array;
  features: Float32Array;
  framesRead: number;
}

interface DetectTaskArgs {
  scale: Float32Array;
  setup: DetectionSetup;
  proto: Prototype;
  opts: DetectPassOptions;
}

/** Samples read on each side of a detection chunk: a snippet plus the matched filter's reach. */
export function detectMargin(setup: DetectionSetup, proto: Prototype): number {
  return setup.length + proto.filter.length;
}

/**
 * This thread's trace window buffer, reused from chunk to chunk: nothing returned by detectChunk refers
 * to it. Released when the pass ends (workers end with it).
 */
const chunkScratch = { window: new Float32Scratch() };

/** residentFloat32 slot of the detection pass's trace window. */
const DETECTION_WINDOW_SLOT = 0x6465;

/** Detection and features on one chunk: the unit of work of the detection pass (any thread). */
export function detectChunk(src: NormalizedSource, setup: DetectionSetup, proto: Prototype, opts: DetectPassOptions, seg: number, start: number, end: number): ChunkPeaks {
  const nc = src.recording.numChannels;
  const dim = opts.maxNeighbours * proto.basis.numComponents;
  const margin = detectMargin(setup, proto);
  // On int16 steps (the trace cache) the matched filter normalises rows as it reads them: no normalised window is made.
  const steps = opts.matchedFilter ? readStepsWindow(src, seg, start, end, margin) : null;
  if (steps) return detectChunkInSteps(steps, setup, proto, opts, margin);
  const size = (end - start + 2 * margin) * nc;
  // With kernels that have their own memory (WASM) the window lives there: normalised and filtered in place, no copies.
  const resident = getKernels().residentFloat32;
  const win = readNormalized(src, seg, start, end, margin, resident ? (length) => resident(DETECTION_WINDOW_SLOT, length) : chunkScratch.window.take(size));
  const detect = { threshold: opts.threshold, exclusionSamples: setup.exclusionSamples, dedupNeighbours: setup.dedupNeighbours, polarity: setup.polarity };
  // The matched filter's output is never held in full: only its crossings leave the kernels.
  const peaks = opts.matchedFilter
    ? detectMatchedPeaks(win.data, win.numSamples, nc, proto.filter, proto.peakIndex, proto.filterScale, margin, win.numSamples - margin, win.firstSample, detect)
    : detectPeaks(win.data, win.numSamples, nc, margin, win.numSamples - margin, win.firstSample, detect);
  // A kernel call that grew the module's memory would have detached the resident window under the features.
  if (win.data.length === 0 && size > 0) throw new Error('detectChunk: the resident trace window was detached by a kernel call (a kernel needed over 16 MiB of scratch): this is a bug in spikeforge');
  const features = new Float32Array(peaks.sample.length * dim);
  for (let i = 0; i < peaks.sample.length; i++) {
    projectSnippet(win.data, nc, peaks.sample[i] - win.firstSample, setup.featureNeighbours[peaks.channel[i]], proto.basis, features, i * dim);
  }
  return { sample: peaks.sample, channel: peaks.channel, features, framesRead: win.framesRead };
}

/** detectChunk on a window of int16 steps: the same peaks and features, bit for bit. */
function detectChunkInSteps(win: StepsWindow, setup: DetectionSetup, proto: Prototype, opts: DetectPassOptions, margin: number): ChunkPeaks {
  const nc = win.numChannels;
  const dim = opts.maxNeighbours * proto.basis.numComponents;
  const detect = { threshold: opts.threshold, exclusionSamples: setup.exclusionSamples, dedupNeighbours: setup.dedupNeighbours, polarity: setup.polarity };
  const peaks = matchedPeaksInSteps(win, proto, margin, win.numSamples - margin, detect);
  const n = peaks.sample.length;
  const features = new Float32Array(n * dim);
  // projectSnippet's values on the normalised window, computed from the steps by one kernel call.
  const rows = new Int32Array(n);
  const chanStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    rows[i] = peaks.sample[i] - win.firstSample - proto.basis.nBefore;
    chanStart[i + 1] = chanStart[i] + setup.featureNeighbours[peaks.channel[i]].length;
  }
  const chans = new Int32Array(chanStart[n]);
  for (let i = 0; i < n; i++) chans.set(setup.featureNeighbours[peaks.channel[i]], chanStart[i]);
  const { numComponents: k, length: len } = proto.basis;
  getKernels().stepsProjections(win.steps, nc, win.gain, win.scale, rows, chanStart, chans, basisByRow(proto.basis.components, k, len), k, len, features, dim);
  if (win.steps.length === 0 && win.numSamples > 0) throw new Error('detectChunk: the resident steps window was detached by a kernel call (a kernel needed over 16 MiB of scratch): this is a bug in spikeforge');
  return { sample: peaks.sample, channel: peaks.channel, features, framesRead: win.framesRead };
}

/** detectMatchedPeaks (detection.ts) on steps: the crossings come from Kernels.int16CorrelationCrossings. */
function matchedPeaksInSteps(win: StepsWindow, proto: Prototype, from: number, to: number, opts: PeakDetectOptions): Peaks {
  if (!(opts.threshold > 0)) throw new Error(`detectChunk: threshold ${opts.threshold} must be positive (below it, rows the filter does not score would cross)`);
  const nc = win.numChannels;
  const len = proto.filter.length;
  // As matchedFilter: rows peakIndex .. peakIndex + nOut − 1 are scored.
  const nOut = win.numSamples - len;
  if (nOut <= 0) return { sample: new Float64Array(0), channel: new Int32Array(0), value: new Float32Array(0) };
  const lo = opts.polarity === 'positive' ? NaN : -opts.threshold;
  const hi = opts.polarity === 'negative' ? NaN : opts.threshold;
  const steps = win.steps.subarray(0, (nOut + len - 1) * nc);
  const found = getKernels().int16CorrelationCrossings(steps, nc, win.gain, win.scale, proto.filter, proto.filterScale, lo, hi);
  const shift = proto.peakIndex * nc;
  for (let j = 0; j < found.index.length; j++) found.index[j] += shift;
  return peaksAmongCrossings(found.index, found.value, nc, from, to, win.firstSample, opts);
}

/** runChunks task (worker side): the recording arrives rebuilt from its spec. */
export function detectChunkTask(recording: Recording, chunk: TraceChunk, args: DetectTaskArgs): ChunkPeaks {
  return detectChunk({ recording, scale: args.scale }, args.setup, args.proto, args.opts, chunk.segment, chunk.start, chunk.end);
}

/**
 * The detection pass. Chunks run on `jobs` threads, but their peaks are sampled here in chunk
 * order with one random stream, so the sample is the same for any number of jobs.
 */
export async function detectAndSample(
  src: NormalizedSource,
  setup: DetectionSetup,
  proto: Prototype,
  opts: DetectPassOptions,
  reporter: Reporter,
): Promise<PeakSample> {
  const rec = src.recording;
  const nc = rec.numChannels;
  const dim = opts.maxNeighbours * proto.basis.numComponents;
  const cap = opts.maxPerChannel;
  const res = reservoirs(nc, cap, dim);
  const total = new Int32Array(nc);
  const rand = seededRandom(opts.seed);
  const args: DetectTaskArgs = { scale: src.scale, setup, proto, opts };
  try {
    await runChunks<ChunkPeaks>({
      recording: rec,
      label: 'detect peaks',
      chunkSize: setup.chunkSamples,
      jobs: opts.jobs,
      reporter,
      task: { module: import.meta.url, exportName: 'detectChunkTask', init: null, args },
      onResult: (chunk, p) => {
        if (src.counter) {
          src.counter.frames += p.framesRead;
          src.counter.reads++;
        }
        for (let i = 0; i < p.sample.length; i++) {
          const c = p.channel[i];
          const r = res[c];
          const seen = total[c]++;
          // Reservoir sampling: every peak of the channel has the same chance to be kept.
          const slot = r.n < cap ? r.n++ : Math.floor(rand() * (seen + 1));
          if (slot >= cap) continue;
          if (slot >= r.sample.length) growReservoir(r, cap, dim);
          r.seg[slot] = chunk.segment;
          r.sample[slot] = p.sample[i];
          r.feat.set(p.features.subarray(i * dim, (i + 1) * dim), slot * dim);
        }
      },
    });
  } finally {
    chunkScratch.window.release();
  }
  // One channel at a time, so each grown reservoir is freed as its exact-size copy is made; block reservoirs are viewed, not copied.
  const out: PeakSample = { segment: [], sample: [], features: [], featureDim: dim, totalPeaks: total };
  for (let c = 0; c < nc; c++) {
    const r = res[c];
    out.segment.push(exactSize(r.seg, r.n));
    out.sample.push(exactSize(r.sample, r.n));
    out.features.push(exactSize(r.feat, r.n * dim));
    res[c] = emptyReservoir();
  }
  return out;
}

/**
 * Largest reservoir block (features of every channel at the cap) taken in one allocation. One allocation
 * this large is its own memory map: the pages no peak reaches are never resident, and freeing it gives
 * everything back to the system. Hundreds of per-channel buffers that double as they fill are instead
 * served from the allocator's heap, which keeps them after they are freed: the process then holds the
 * reservoir's size for the rest of the sort (≈ 200 MB on 384 channels once the caps are reached).
 */
const RESERVOIR_BLOCK_MAX_BYTES = 2 ** 30;

/** Every channel's reservoir: views of one block at the full cap when it fits RESERVOIR_BLOCK_MAX_BYTES, else empty ones that grow. */
function reservoirs(nc: number, cap: number, dim: number): Reservoir[] {
  if (nc * cap * (dim * 4 + 12) > RESERVOIR_BLOCK_MAX_BYTES) return Array.from({ length: nc }, () => emptyReservoir());
  const seg = new Int32Array(nc * cap);
  const sample = new Float64Array(nc * cap);
  const feat = new Float32Array(nc * cap * dim);
  return Array.from({ length: nc }, (_, c) => ({
    seg: seg.subarray(c * cap, (c + 1) * cap),
    sample: sample.subarray(c * cap, (c + 1) * cap),
    feat: feat.subarray(c * cap * dim, (c + 1) * cap * dim),
    n: 0,
  }));
}

/** One channel's reservoir: `n` peaks kept in buffers of capacity sample.length. */
interface Reservoir {
  seg: Int32Array;
  sample: Float64Array;
  feat: Float32Array;
  n: number;
}

function emptyReservoir(): Reservoir {
  return { seg: new Int32Array(0), sample: new Float64Array(0), feat: new Float32Array(0), n: 0 };
}

/** First capacity of a reservoir that receives a peak (then doubled up to the cap). */
const RESERVOIR_FIRST_CAPACITY = 64;

/** Doubles the reservoir's capacity (at most `cap` peaks), keeping its contents. */
function growReservoir(r: Reservoir, cap: number, dim: number): void {
  const capacity = Math.min(cap, Math.max(RESERVOIR_FIRST_CAPACITY, 2 * r.sample.length));
  const seg = new Int32Array(capacity);
  const sample = new Float64Array(capacity);
  const feat = new Float32Array(capacity * dim);
  seg.set(r.seg);
  sample.set(r.sample);
  feat.set(r.feat);
  Object.assign(r, { seg, sample, feat });
}

/**
 * The first `n` values: the buffer itself when it holds exactly that many, a view when it is part of a
 * reservoir block (the block lives as long as its views), else a copy.
 */
function exactSize<T extends Int32Array | Float64Array | Float32Array>(a: T, n: number): T {
  if (a.length === n) return a;
  return (a.buffer.byteLength > a.byteLength ? a.subarray(0, n) : a.slice(0, n)) as T;
}
