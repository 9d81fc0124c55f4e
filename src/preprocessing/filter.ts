/**
 * Butterworth filtering as a lazy recording. Zero-phase by default (forward then backward pass, like
 * scipy.signal.sosfiltfilt, so spike shapes are not delayed), computed chunk by chunk: each chunk is read
 * with a margin long enough for the filter's transients to die out (−120 dB by default), and both passes
 * start from the steady state of the first sample, so a DC offset causes no step transient. At the
 * segment edges the margin is a mirror image of the data, so chunked output equals whole-array output.
 *
 * Defaults follow SpikeInterface: 5th-order Butterworth, high-pass 300 Hz, band-pass 300–6000 Hz
 * (zero-phase doubles the effective order and squares the magnitude response).
 */
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { getRawTracesWithMargin } from '../core/margins.js';
import type { NumericArray } from '../core/dtypes.js';
import { Recording, scaleTraces } from '../core/recording.js';
import { getKernels } from '../kernels/registry.js';
import { FilterBand, butterSos, sosSettlingSamples, sosSteadyState } from './butterworth.js';
import { allChannels, preprocessedInit, specWithParent } from './base.js';

/** A parent that reads raw samples of all channels into a buffer it reuses (BinaryRecording.readRawScratch). */
interface RawScratchReader {
  readRawScratch(segment: number, start: number, end: number): NumericArray | null;
}

export interface FilterOptions {
  band: FilterBand;
  /** Cut-off(s) in Hz: one for low/high-pass, [low, high] for band-pass. */
  frequencies: number[];
  order?: number;
  /** Forward pass only (phase-shifted, but each output depends only on the past). Default false. */
  causal?: boolean;
  /** Samples read on each side of a chunk; default: the filter's settling time to −120 dB. */
  margin?: number;
}

export class FilterRecording extends Recording {
  readonly sos: Float64Array;
  readonly margin: number;
  /** Steady-state delays of sos for a unit input (numSections × 2): each pass starts from them × its first sample. */
  readonly zi: Float64Array;
  // readRaw returns a new array, which nothing else holds.
  protected override readonly readRawIsFresh = true;

  constructor(readonly parent: Recording, readonly options: FilterOptions) {
    super(preprocessedInit(parent));
    this.sos = butterSos({
      order: options.order ?? 5,
      band: options.band,
      frequencies: options.frequencies,
      samplingFrequency: parent.samplingFrequency,
    });
    this.zi = sosSteadyState(this.sos);
    this.margin = options.margin ?? sosSettlingSamples(this.sos);
    if (!Number.isInteger(this.margin) || this.margin < 0) throw new Error(`filter margin must be a non-negative integer number of samples, got ${this.margin}`);
  }

  /** The buffer readScratch reuses (grown, never shrunk). */
  private scratch = new Float32Array(0);

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    return this.filterInto(segment, start, end, channels, new Float32Array((end - start) * channels.length));
  }

  /** As getTraces({ segment, start, end, scaled: true }), in a buffer this recording reuses: see ScratchTraceReader. */
  readScratch(segment: number, start: number, end: number): Float32Array {
    checkScratchWindow(this, segment, start, end);
    const n = (end - start) * this.numChannels;
    if (n === 0) return new Float32Array(0);
    if (this.scratch.length < n) this.scratch = new Float32Array(n);
    return this.filterInto(segment, start, end, allChannels(this.numChannels), this.scratch.subarray(0, n));
  }

  private filterInto(segment: number, start: number, end: number, channels: Int32Array, out: Float32Array): Float32Array {
    const causal = this.options.causal ?? false;
    // Raw samples: int16 files are scaled inside the filter kernel, which then needs a single copy of the block.
    const w = this.rawInParentScratch(segment, start, end, channels, causal) ?? getRawTracesWithMargin(this.parent, {
      segment, start, end, channels, margin: this.margin,
      // A causal filter at the recording start begins at sample 0, as a whole-array pass does.
      mode: causal ? 'none' : 'reflect',
    });
    const nc = channels.length;
    const gain = Float64Array.from(channels, (c) => this.parent.gains[c]);
    const offset = Float64Array.from(channels, (c) => this.parent.offsets[c]);
    const raw = w.traces;
    // The kernel scales int16 as dequantizeInt16 does (positive gains, no offsets), which equals scaleTraces there.
    const int16 = raw instanceof Int16Array && gain.every((g) => g > 0) && offset.every((o) => o === 0);
    const x = int16 ? raw : scaledOrSame(raw, channels, this.parent.gains, this.parent.offsets);
    getKernels().sosfiltfilt(this.sos, this.zi, x, nc, int16 ? gain : null, !causal, out, w.leftMargin);
    return out;
  }

  /**
   * getRawTracesWithMargin's result read into the parent's reused buffer (the kernel copies it at once), when
   * the parent offers one (BinaryRecording), all channels are wanted in order and no sample is reflected;
   * otherwise null. Saves a fresh raw array per chunk.
   */
  private rawInParentScratch(segment: number, start: number, end: number, channels: Int32Array, causal: boolean): { traces: NumericArray; leftMargin: number } | null {
    const parent = this.parent as Recording & Partial<RawScratchReader>;
    if (!parent.readRawScratch || channels.length !== this.numChannels || channels.some((c, j) => c !== j)) return null;
    const a = Math.max(0, start - this.margin);
    const b = Math.min(this.parent.getNumSamples(segment), end + this.margin);
    if (!causal && (a !== start - this.margin || b !== end + this.margin)) return null;
    const traces = parent.readRawScratch(segment, a, b);
    return traces ? { traces, leftMargin: start - a } : null;
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'FilterRecording', this.parent, { options: this.options });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<FilterRecording> {
    const a = args as { parent: RecordingSpec; options: FilterOptions };
    return new FilterRecording(await load(a.parent), a.options);
  }
}

export interface HighpassOptions {
  /** Cut-off in Hz (default 300). */
  freqMin?: number;
  /** Butterworth order (default 5). */
  order?: number;
  causal?: boolean;
  margin?: number;
}

export function highpassFilter(rec: Recording, opts: HighpassOptions = {}): FilterRecording {
  return new FilterRecording(rec, { band: 'highpass', frequencies: [opts.freqMin ?? 300], order: opts.order ?? 5, causal: opts.causal, margin: opts.margin });
}

export interface BandpassOptions extends HighpassOptions {
  /** Upper cut-off in Hz (default 6000, lowered to 0.45 × the sampling rate for slowly sampled data). */
  freqMax?: number;
}

export function bandpassFilter(rec: Recording, opts: BandpassOptions = {}): FilterRecording {
  const freqMax = opts.freqMax ?? Math.min(6000, 0.45 * rec.samplingFrequency);
  return new FilterRecording(rec, {
    band: 'bandpass', frequencies: [opts.freqMin ?? 300, freqMax], order: opts.order ?? 5, causal: opts.causal, margin: opts.margin,
  });
}

/** Raw samples in float32 µV: float32 with unit gains and no offsets as they are (the kernel does not modify them). */
function scaledOrSame(raw: NumericArray, channels: Int32Array, gains: Float64Array, offsets: Float64Array): Float32Array {
  let identity = raw instanceof Float32Array;
  for (let j = 0; identity && j < channels.length; j++) identity = gains[channels[j]] === 1 && offsets[channels[j]] === 0;
  return identity ? (raw as Float32Array) : scaleTraces(raw, channels, gains, offsets);
}

/**
 * A recording whose every-channel µV reads can go into a buffer it reuses. For passes that consume each
 * chunk before they read the next (the trace cache): a fresh 46 MB array per second of 384-channel data
 * costs its page faults again at every chunk. The returned array is valid until the next readScratch of
 * the same recording, and the caller may modify it.
 */
export interface ScratchTraceReader {
  readScratch(segment: number, start: number, end: number): Float32Array;
}

export function hasScratchReads(rec: Recording): rec is Recording & ScratchTraceReader {
  return typeof (rec as Partial<ScratchTraceReader>).readScratch === 'function';
}

/**
 * Every channel of [start, end) in µV, for reading only: from the recording's reused buffer when it has one
 * (valid until the next call, see ScratchTraceReader), else as getTraces gives it (possibly the recording's own memory).
 */
export function readTracesScratch(rec: Recording, segment: number, start: number, end: number): Float32Array {
  if (hasScratchReads(rec)) return rec.readScratch(segment, start, end);
  return rec.getTraces({ segment, start, end, scaled: true }) as Float32Array;
}

/** The checks getTraces makes on a window, for reads that bypass it. */
export function checkScratchWindow(rec: Recording, segment: number, start: number, end: number): void {
  if (!Number.isInteger(segment) || segment < 0 || segment >= rec.numSegments) throw new Error(`readScratch: segment ${segment} does not exist (${rec.numSegments} segments)`);
  const ns = rec.getNumSamples(segment);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ns || start > end) {
    throw new Error(`readScratch: frames [${start}, ${end}) are outside segment ${segment} (0..${ns})`);
  }
  // Preprocessed recordings read µV with unit gains (preprocessedInit): their raw reads are getTraces' scaled reads.
  if (!rec.gains.every((g) => g === 1) || !rec.offsets.every((o) => o === 0)) throw new Error('readScratch: only for recordings with unit gains and no offsets');
}
