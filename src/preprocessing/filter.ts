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
import { Recording } from '../core/recording.js';
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { getTracesWithMargin } from '../core/margins.js';
import { getKernels } from '../kernels/registry.js';
import { FilterBand, butterSos, sosSettlingSamples, sosSteadyState } from './butterworth.js';
import { preprocessedInit, specWithParent } from './base.js';

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
  private readonly zi: Float64Array;
  // readRaw returns a view of its own working copy, which nothing else holds.
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

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    const causal = this.options.causal ?? false;
    const w = getTracesWithMargin(this.parent, {
      segment, start, end, channels, margin: this.margin,
      // A causal filter at the recording start begins at sample 0, as a whole-array pass does.
      mode: causal ? 'none' : 'reflect',
    });
    const nc = channels.length;
    const x = w.traces;
    const k = getKernels();
    k.sosfilt(this.sos, x, nc, this.initialState(x, nc, 0), false);
    if (!causal) {
      const last = x.length / nc - 1;
      k.sosfilt(this.sos, x, nc, this.initialState(x, nc, last), true);
    }
    // A view, not a copy: x is this call's own array, and copying (and first touching) tens of MB per
    // chunk cost as much as a filter pass; the margins it keeps alive are a few % of the chunk.
    return x.subarray(w.leftMargin * nc, (w.leftMargin + end - start) * nc);
  }

  /** Steady-state delays for a constant input equal to row t of x, per channel. */
  private initialState(x: Float32Array, nc: number, t: number): Float64Array {
    const nsec = this.sos.length / 6;
    const state = new Float64Array(nsec * 2 * nc);
    for (let s = 0; s < nsec; s++) {
      for (let d = 0; d < 2; d++) {
        const z = this.zi[s * 2 + d];
        const o = (s * 2 + d) * nc;
        for (let c = 0; c < nc; c++) state[o + c] = z * x[t * nc + c];
      }
    }
    return state;
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
