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
import { quickselect } from '../kernels/median.js';
import { mulberry32 } from '../core/random.js';

/** Channels whose columns are gathered per pass over a chunk's rows (16 float32 = one 64-byte cache line). */
const COLUMN_GROUP = 16;

/** MAD of Gaussian noise / its standard deviation (as sortingcomponents/noise.ts). */
const MAD_TO_SD = 0.6744897501960817;

/**
 * madSigmaInPlace(v) for a v whose median (index n >> 1) is already known: the same value, one
 * selection fewer. Overwrites v with the absolute deviations.
 */
function madFromMedianInPlace(v: Float64Array, median: number): number {
  for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i] - median);
  return kthSmallest(v, v.length >> 1) / MAD_TO_SD;
}

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
  // Columns are gathered COLUMN_GROUP at a time: one pass over the rows reads whole cache lines.
  const cols = Array.from({ length: Math.min(COLUMN_GROUP, nc) }, () => new Float64Array(chunkSamples));
  const row = new Float64Array(nc);
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
    for (let c0 = 0; c0 < nc; c0 += cols.length) {
      const g = Math.min(cols.length, nc - c0);
      for (let t = 0; t < len; t++) {
        const o = t * nc + c0;
        for (let j = 0; j < g; j++) cols[j][t] = tr[o + j];
      }
      for (let j = 0; j < g; j++) {
        const v = cols[j].subarray(0, len);
        // The median is the MAD's own first step: select it once, then the MAD on the deviations.
        centre[c0 + j] = kthSmallest(v, len >> 1);
        const sd = madFromMedianInPlace(v, centre[c0 + j]);
        inv[c0 + j] = sd > 0 ? 1 / sd : 0;
      }
    }
    const live = Int32Array.from(Array.from({ length: nc }, (_, c) => c).filter((c) => inv[c] > 0));
    used = Math.max(used, live.length);
    if (live.length < 2) continue;
    for (let t = 0; t < len; t++) {
      for (let j = 0; j < live.length; j++) {
        const c = live[j];
        row[j] = (tr[t * nc + c] - centre[c]) * inv[c];
      }
      medians.push(quickselect(row, live.length, live.length >> 1));
    }
    if (opts.residual) residualSds.push(...residualSdsUv(tr, nc, live, centre, inv, medians.slice(medians.length - len), cols));
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
  tr: Float32Array, nc: number, live: Int32Array, centre: Float64Array, inv: Float64Array, medians: number[], cols: Float64Array[],
): number[] {
  const len = medians.length;
  const col = cols[0].subarray(0, len);
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
