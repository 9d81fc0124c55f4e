/**
 * How much noise the channels share: the thing a global median reference exists to remove.
 *
 * Why measure it: the median across channels also moves when a large spike covers a good part of
 * the probe, and subtracting it stamps an inverted copy of that spike on every other channel (on a
 * 32-channel probe, a 50σ unit leaves a ~3σ ghost that small templates then fit). When the noise is
 * independent across channels the reference removes nothing useful, so the sorter's 'auto' mode
 * references only when a shared component is actually there.
 *
 * Method: each channel is scaled to unit noise (MAD), the median across channels is taken at every
 * sample of a few random chunks, and its robust spread is compared with what independent unit
 * noise gives a median of N values (variance π / 2N). The excess is the shared noise.
 */
import type { Recording } from '../core/recording.js';
import { kthSmallest, madSigmaInPlace } from '../sortingcomponents/noise.js';
import { getKernels } from '../kernels/registry.js';
import { mulberry32 } from '../core/random.js';

/** MAD of Gaussian noise / its standard deviation (as sortingcomponents/noise.ts). */
const MAD_TO_SD = 0.6744897501960817;

export interface CommonModeOptions {
  numChunks?: number;
  chunkSamples?: number;
  seed?: number;
  /** Also measure residualSdUv (a few hundred ms on 384 channels). Default false: residualSdUv is 0. */
  residual?: boolean;
}

export interface CommonModeEstimate {
  /** Channels that entered the median (constant channels excluded). */
  channels: number;
  /** Robust sd of the cross-channel median, in units of channel noise. */
  medianSd: number;
  /** What independent noise alone would give: sqrt(π / 2N). */
  independentSd: number;
  /** sd of the shared component, in units of channel noise (0 when the median is no wider than chance). */
  commonSd: number;
  /**
   * Robust sd (µV) of what a median reference leaves on a channel, the median over channels: the scale of
   * the clipped median's window (common_reference.ts clipUv). 0 when not asked for (options.residual) or
   * nothing could be measured.
   */
  residualSdUv: number;
}

export function estimateCommonMode(rec: Recording, opts: CommonModeOptions = {}): CommonModeEstimate {
  const nc = rec.numChannels;
  const numChunks = opts.numChunks ?? 4;
  const chunkSamples = opts.chunkSamples ?? Math.round(rec.samplingFrequency / 4);
  const rand = mulberry32(opts.seed ?? 7);
  const medians: number[] = [];
  const residualSds: number[] = [];
  let used = 0;
  const kernels = getKernels();
  const medianMad = new Float64Array(2 * nc);
  const scratch = new Float64Array(chunkSamples);
  for (let k = 0; k < numChunks; k++) {
    const seg = Math.floor(rand() * rec.numSegments);
    const ns = rec.getNumSamples(seg);
    const len = Math.min(ns, chunkSamples);
    if (len < 16) continue;
    const start = Math.floor(rand() * (ns - len + 1));
    const tr = rec.getTraces({ segment: seg, start, end: start + len, scaled: true }) as Float32Array;
    // Per-channel centre and noise of this chunk, so every channel enters the median at unit noise.
    const centre = new Float64Array(nc);
    const inv = new Float64Array(nc);
    // The median is the MAD's own first step: one kernel call gives both for every channel (exact
    // selections; a zero median's sign, which no value downstream sees, is normalised to +0).
    kernels.channelMedianAndMad(tr, nc, medianMad);
    for (let c = 0; c < nc; c++) {
      centre[c] = medianMad[2 * c];
      const sd = medianMad[2 * c + 1] / MAD_TO_SD;
      inv[c] = sd > 0 ? 1 / sd : 0;
    }
    const live = Int32Array.from(Array.from({ length: nc }, (_, c) => c).filter((c) => inv[c] > 0));
    used = Math.max(used, live.length);
    if (live.length < 2) continue;
    const chunkMedians = new Float64Array(len);
    kernels.normalizedRowSelect(tr, nc, live, centre, inv, live.length >> 1, chunkMedians);
    for (let t = 0; t < len; t++) medians.push(chunkMedians[t]);
    if (opts.residual) residualSds.push(...residualSdsUv(tr, nc, live, centre, inv, chunkMedians, scratch));
  }
  const residualSdUv = residualSds.length ? kthSmallest(Float64Array.from(residualSds), residualSds.length >> 1) : 0;
  if (used < 2 || medians.length === 0) return { channels: used, medianSd: 0, independentSd: 0, commonSd: 0, residualSdUv };
  const medianSd = madSigmaInPlace(Float64Array.from(medians));
  const independentSd = Math.sqrt(Math.PI / (2 * used));
  const commonSd = Math.sqrt(Math.max(0, medianSd * medianSd - independentSd * independentSd));
  return { channels: used, medianSd, independentSd, commonSd, residualSdUv };
}

/**
 * Per live channel (at most 64, evenly spread), the MAD sd (µV) of its centred trace minus the chunk's cross-channel median (in unit
 * noise, scaled back to the channel's µV): the independent noise a median reference leaves there.
 */
function residualSdsUv(
  tr: Float32Array, nc: number, live: Int32Array, centre: Float64Array, inv: Float64Array, medians: Float64Array, scratch: Float64Array,
): number[] {
  const len = medians.length;
  const col = scratch.subarray(0, len);
  const out: number[] = [];
  // A median over 64 channels is as good a scale as one over all of them, at a fraction of the cost on 384.
  const stride = Math.ceil(live.length / 64);
  for (let k = 0; k < live.length; k += stride) {
    const c = live[k];
    const sd = 1 / inv[c];
    for (let t = 0; t < len; t++) col[t] = tr[t * nc + c] - centre[c] - medians[t] * sd;
    out.push(madSigmaInPlace(col));
  }
  return out;
}
