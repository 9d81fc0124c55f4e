/**
 * Motion estimation from localized peaks (DREDge-like, Windolf et al. 2023):
 *  1. per shank, an amplitude-weighted raster: time bins × depth bins, each peak adding log(1 + amplitude);
 *  2. for non-rigid motion, Gaussian windows along the probe weight the raster's depth bins;
 *  3. every pair of time bins within a horizon is cross-correlated over depth lags: the best lag
 *     (sub-bin by parabolic interpolation) is the displacement difference, the normalised
 *     correlation its confidence;
 *  4. a robust, temporally smoothed least-squares solve turns differences into a displacement per
 *     time bin (solve.ts); windows are then smoothed along the probe, weighted by their spike mass.
 */
import type { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import type { Motion, ShankMotion } from './motion.js';
import { emptyDifferences, PairwiseDifferences, solveDisplacement } from './solve.js';

export interface LocalizedPeaks {
  /** Segment time (s). */
  timeS: Float64Array;
  /** Depth along the probe (µm). */
  y: Float64Array | Float32Array;
  amplitude: Float32Array | Float64Array;
  segment?: Int32Array;
  /** Peak channel, used to assign each peak to its shank. */
  channel?: Int32Array;
}

export interface MotionEstimateOptions {
  /** One displacement per time bin for the whole shank. Default false (windows along the probe). */
  rigid?: boolean;
  /** Time bin (s). Default 1. */
  binS?: number;
  /** Depth bin of the raster (µm). Default 5. */
  binUm?: number;
  /** Non-rigid: distance between window centres (µm). Default 100. */
  windowStepUm?: number;
  /** Non-rigid: standard deviation of each Gaussian window (µm). Default 150. */
  windowScaleUm?: number;
  /** Peaks up to this far beyond the end contacts enter the raster. Default 50 µm. */
  marginUm?: number;
  /** Largest displacement difference searched between two time bins. Default 50 µm. */
  maxShiftUm?: number;
  /** Time bins further apart than this are not compared. Default 30 s. */
  horizonS?: number;
  /** Depth smoothing (Gaussian sd, µm) of the raster. Default 5. */
  rasterSmoothUm?: number;
  /** Pairs with a normalised correlation below this are ignored. Default 0.2. */
  minCorrelation?: number;
  /** Temporal smoothness prior (see solve.ts). Default 0.05. */
  smoothness?: number;
  robustIterations?: number;
  /** Non-rigid: smoothing of displacements across windows (Gaussian sd, µm). Default windowStepUm / 2. */
  spatialSmoothUm?: number;
  reporter?: Reporter;
}

type Resolved = Required<Omit<MotionEstimateOptions, 'reporter' | 'spatialSmoothUm'>> & { spatialSmoothUm: number };

function resolve(o: MotionEstimateOptions): Resolved {
  const r: Resolved = {
    rigid: o.rigid ?? false,
    binS: o.binS ?? 1,
    binUm: o.binUm ?? 5,
    windowStepUm: o.windowStepUm ?? 100,
    windowScaleUm: o.windowScaleUm ?? 150,
    marginUm: o.marginUm ?? 50,
    maxShiftUm: o.maxShiftUm ?? 50,
    horizonS: o.horizonS ?? 30,
    rasterSmoothUm: o.rasterSmoothUm ?? 5,
    minCorrelation: o.minCorrelation ?? 0.2,
    smoothness: o.smoothness ?? 0.05,
    robustIterations: o.robustIterations ?? 3,
    spatialSmoothUm: o.spatialSmoothUm ?? (o.windowStepUm ?? 100) / 2,
  };
  for (const k of ['binS', 'binUm', 'windowStepUm', 'windowScaleUm', 'maxShiftUm', 'horizonS'] as const) {
    if (!(r[k] > 0) || !Number.isFinite(r[k])) throw new Error(`estimateMotion: ${k} must be a positive number, got ${r[k]}`);
  }
  for (const k of ['marginUm', 'rasterSmoothUm', 'minCorrelation', 'smoothness', 'robustIterations', 'spatialSmoothUm'] as const) {
    if (!(r[k] >= 0)) throw new Error(`estimateMotion: ${k} must be ≥ 0, got ${r[k]}`);
  }
  return r;
}

/** Where the shanks are and how long the segments last: what the estimate needs from a recording. */
export interface MotionLayout {
  /** Per segment: [tStart, tEnd) in seconds. */
  segments: [number, number][];
  shanks: { shankId: string; yMin: number; yMax: number; channels: Int32Array }[];
}

export function motionLayout(rec: Recording): MotionLayout {
  const segments: [number, number][] = [];
  for (let s = 0; s < rec.numSegments; s++) {
    const t = rec.getTimes(s, 0, 1)[0];
    segments.push([t, t + rec.getNumSamples(s) / rec.samplingFrequency]);
  }
  const loc = rec.getChannelLocations();
  const groups = rec.getChannelGroups();
  const ids = [...new Set(groups)];
  const shanks = ids.map((id) => {
    const ch = groups.flatMap((g, c) => (g === id ? [c] : []));
    const ys = ch.map((c) => loc[2 * c + 1]);
    return { shankId: id, yMin: Math.min(...ys), yMax: Math.max(...ys), channels: Int32Array.from(ch) };
  });
  return { segments, shanks };
}

/** Estimates the motion of a recording's tissue from its localized peaks. */
export function estimateMotion(peaks: LocalizedPeaks, layout: MotionLayout, opts: MotionEstimateOptions = {}): Motion {
  const rasters = new MotionRasters(layout, opts);
  rasters.add(peaks);
  return rasters.estimate(opts.reporter);
}

/**
 * The rasters of every shank and segment, which peaks are added to as a pass finds them: the pass then
 * keeps time bins × depth bins per shank (6 kB per second of a 3.8 mm shank) instead of every peak
 * (about 50 bytes each, tens of thousands per second on a dense probe). Adding the same peaks in the
 * same order, in one batch or many, gives the same rasters, and estimate() the same motion.
 */
export class MotionRasters {
  private readonly o: Resolved;
  private readonly shankOfChannel = new Map<number, number>();
  private readonly temporalBinsS: Float64Array[];
  /** [shank][segment] raster, not yet smoothed. */
  private readonly rasters: Raster[][];
  /** Per shank: the depth (µm) where its rasters' first depth bin starts. */
  private readonly yLo: number[];
  private estimated = false;

  constructor(private readonly layout: MotionLayout, opts: MotionEstimateOptions = {}) {
    const o = resolve(opts);
    this.o = o;
    layout.shanks.forEach((s, k) => s.channels.forEach((c) => this.shankOfChannel.set(c, k)));
    this.temporalBinsS = layout.segments.map(([a, b]) => {
      const nt = Math.max(1, Math.ceil((b - a) / o.binS - 1e-9));
      return Float64Array.from({ length: nt }, (_, i) => a + Math.min((i + 0.5) * o.binS, (b - a + i * o.binS) / 2));
    });
    this.yLo = layout.shanks.map((sh) => sh.yMin - o.marginUm);
    this.rasters = layout.shanks.map((sh, k) => {
      const yLo = this.yLo[k];
      const nd = Math.max(1, Math.ceil((sh.yMax + o.marginUm - yLo) / o.binUm));
      return this.temporalBinsS.map((bins) => ({ numTimeBins: bins.length, numDepthBins: nd, y0: yLo + o.binUm / 2, binUm: o.binUm, data: new Float64Array(bins.length * nd) }));
    });
  }

  /** Adds each peak's log(1 + amplitude) to its shank's raster (peaks outside every raster are left out). */
  add(peaks: LocalizedPeaks): void {
    if (this.estimated) throw new Error('MotionRasters: peaks added after estimate()');
    const n = peaks.timeS.length;
    if (peaks.y.length !== n || peaks.amplitude.length !== n) throw new Error(`estimateMotion: timeS, y and amplitude must have one entry per peak (${n}, ${peaks.y.length}, ${peaks.amplitude.length})`);
    const multiShank = this.layout.shanks.length > 1;
    if (multiShank && !peaks.channel) throw new Error('estimateMotion: a multi-shank probe needs the peak channel of every peak to split peaks by shank');
    const { binS, binUm } = this.o;
    for (let i = 0; i < n; i++) {
      const seg = peaks.segment ? peaks.segment[i] : 0;
      const k = multiShank ? this.shankOfChannel.get(peaks.channel![i]) : 0;
      if (k === undefined || !(seg >= 0 && seg < this.layout.segments.length)) continue;
      const r = this.rasters[k][seg];
      const tb = Math.floor((peaks.timeS[i] - this.layout.segments[seg][0]) / binS);
      const db = Math.floor((peaks.y[i] - this.yLo[k]) / binUm);
      const a = peaks.amplitude[i];
      if (tb < 0 || tb >= r.numTimeBins || db < 0 || db >= r.numDepthBins || !(a > 0)) continue;
      r.data[tb * r.numDepthBins + db] += Math.log1p(a);
    }
  }

  /** The motion from the peaks added so far (once: the rasters are smoothed in place). */
  estimate(reporter: Reporter = silentReporter): Motion {
    if (this.estimated) throw new Error('MotionRasters: estimate() was already called');
    this.estimated = true;
    const o = this.o;
    const shanks: ShankMotion[] = [];
    reporter.begin('estimate motion', this.layout.shanks.length * this.layout.segments.length);
    let done = 0;
    this.layout.shanks.forEach((sh, k) => {
      const centres = windowCentres(sh.yMin, sh.yMax, o);
      const disp: Float32Array[] = [];
      let effective = centres;
      this.rasters[k].forEach((raster, seg) => {
        smoothRaster(raster, o.rasterSmoothUm);
        const perWindow = centres.map((c) => estimateWindow(raster, o.rigid ? null : c, o));
        disp.push(smoothAcrossWindows(perWindow, centres, o.rigid ? 0 : o.spatialSmoothUm, raster.numTimeBins));
        if (seg === 0) effective = effectiveCentres(perWindow, centres);
        reporter.progress(++done);
      });
      shanks.push({ shankId: sh.shankId, spatialBinsUm: Float64Array.from(effective), displacementUm: disp });
    });
    reporter.end();
    return { temporalBinsS: this.temporalBinsS, shanks };
  }
}

function windowCentres(yMin: number, yMax: number, o: Resolved): number[] {
  if (o.rigid) return [(yMin + yMax) / 2];
  const span = yMax - yMin;
  const nw = Math.max(1, Math.round(span / o.windowStepUm) + 1);
  if (nw === 1) return [(yMin + yMax) / 2];
  return Array.from({ length: nw }, (_, i) => yMin + (i * span) / (nw - 1));
}

export interface Raster {
  numTimeBins: number;
  numDepthBins: number;
  /** Depth (µm) of the centre of depth bin 0. */
  y0: number;
  binUm: number;
  /** time × depth, log-amplitude weighted counts. */
  data: Float64Array;
}

/** Gaussian smoothing of a raster along depth (sd in µm), in place. */
function smoothRaster(r: Raster, sdUm: number): void {
  const sd = sdUm / r.binUm;
  if (sd > 0) smoothRows(r.data, r.numTimeBins, r.numDepthBins, sd);
}

function smoothRows(data: Float64Array, rows: number, cols: number, sd: number): void {
  const half = Math.ceil(3 * sd);
  const k = Float64Array.from({ length: 2 * half + 1 }, (_, j) => Math.exp(-0.5 * ((j - half) / sd) ** 2));
  const row = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    row.set(data.subarray(r * cols, (r + 1) * cols));
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let j = -half; j <= half; j++) {
        const cc = c + j;
        if (cc >= 0 && cc < cols) s += k[j + half] * row[cc];
      }
      data[r * cols + c] = s;
    }
  }
}

interface WindowEstimate {
  displacement: Float64Array;
  /** Total raster mass in the window: how much evidence it had. */
  mass: number;
  /** Mass-weighted mean depth of the window: where its estimate applies (windows cut by the probe end lean inwards). */
  centreUm: number;
}

/** Displacement over time in one Gaussian window (centre null = the whole raster, rigid). */
export function estimateWindow(r: Raster, centre: number | null, o: Resolved): WindowEstimate {
  const nt = r.numTimeBins;
  const nd = r.numDepthBins;
  const weight = new Float64Array(nd).fill(1);
  if (centre !== null) for (let j = 0; j < nd; j++) weight[j] = Math.exp(-0.5 * ((r.y0 + j * r.binUm - centre) / o.windowScaleUm) ** 2);
  // Depth bins with negligible window weight are skipped in the correlations.
  let lo = 0;
  let hi = nd;
  while (lo < hi && weight[lo] < 1e-3) lo++;
  while (hi > lo && weight[hi - 1] < 1e-3) hi--;
  // Only the window's depth bins [lo, hi) are kept: row t holds bin j at t × width + j − lo.
  const width = hi - lo;
  const w = new Float64Array(nt * width);
  const norm = new Float64Array(nt);
  let mass = 0;
  let massY = 0;
  for (let t = 0; t < nt; t++) {
    for (let j = lo; j < hi; j++) {
      const v = r.data[t * nd + j] * weight[j];
      w[t * width + j - lo] = v;
      norm[t] += v * v;
      mass += v;
      massY += v * (r.y0 + j * r.binUm);
    }
    norm[t] = Math.sqrt(norm[t]);
  }
  const maxLag = Math.max(1, Math.round(o.maxShiftUm / r.binUm));
  const horizon = Math.max(1, Math.round(o.horizonS / o.binS));
  const pw: PairwiseDifferences = emptyDifferences(nt, horizon);
  const corr = new Float64Array(2 * maxLag + 1);
  for (let i = 0; i < nt; i++) {
    if (!(norm[i] > 0)) continue;
    for (let d = 1; d <= pw.horizon && i + d < nt; d++) {
      const k = i + d;
      if (!(norm[k] > 0)) continue;
      laggedDots(w, i * width - lo, k * width - lo, lo, hi, maxLag, corr);
      for (let q = 0; q < corr.length; q++) corr[q] /= norm[i] * norm[k];
      let best = 0;
      for (let q = 1; q < corr.length; q++) if (corr[q] > corr[best]) best = q;
      const c = corr[best];
      if (!(c >= o.minCorrelation) || best === 0 || best === corr.length - 1) continue;
      // Parabolic refinement of the peak lag.
      const y0 = corr[best - 1];
      const y2 = corr[best + 1];
      const den = y0 - 2 * c + y2;
      const frac = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (y0 - y2)) / den)) : 0;
      const q = i * pw.horizon + d - 1;
      pw.diff[q] = (best - maxLag + frac) * r.binUm;
      pw.weight[q] = c;
    }
  }
  const displacement = solveDisplacement(pw, { smoothness: o.smoothness, robustIterations: o.robustIterations, minRobustScaleUm: r.binUm / 2 });
  const nominal = centre ?? r.y0 + ((nd - 1) * r.binUm) / 2;
  return { displacement, mass, centreUm: mass > 0 ? massY / mass : nominal };
}

/**
 * out[L + maxLag] = Σ_j w[ri + j] · w[rk + j + L] over j in [max(lo, lo − L), min(hi, hi − L)), for |L| ≤ maxLag,
 * each sum taken in ascending j from 0 (the bits of one loop per lag). Four lags share each load of row i:
 * per lag, its own first terms, then the span all four cover, then its own last terms.
 */
export function laggedDots(w: Float64Array, ri: number, rk: number, lo: number, hi: number, maxLag: number, out: Float64Array): void {
  let L = -maxLag;
  for (; L + 3 <= maxLag; L += 4) {
    // Lag L + u covers [max(lo, lo − L − u), min(hi, hi − L − u)): the four share [c0, c1); a narrow window
    // (fewer depth bins than lags) may leave a lag's whole range before c0, hence the clipped first loops.
    const c0 = Math.max(lo, lo - L);
    const c1 = Math.max(c0, Math.min(hi, hi - L - 3));
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = Math.max(lo, lo - L - 1), e = Math.min(c0, hi, hi - L - 1); j < e; j++) s1 += w[ri + j] * w[rk + j + L + 1];
    for (let j = Math.max(lo, lo - L - 2), e = Math.min(c0, hi, hi - L - 2); j < e; j++) s2 += w[ri + j] * w[rk + j + L + 2];
    for (let j = Math.max(lo, lo - L - 3), e = Math.min(c0, hi, hi - L - 3); j < e; j++) s3 += w[ri + j] * w[rk + j + L + 3];
    for (let j = c0, b = rk + L; j < c1; j++) {
      const x = w[ri + j];
      s0 += x * w[b + j];
      s1 += x * w[b + j + 1];
      s2 += x * w[b + j + 2];
      s3 += x * w[b + j + 3];
    }
    for (let j = c1, e = Math.min(hi, hi - L); j < e; j++) s0 += w[ri + j] * w[rk + j + L];
    for (let j = c1, e = Math.min(hi, hi - L - 1); j < e; j++) s1 += w[ri + j] * w[rk + j + L + 1];
    for (let j = c1, e = Math.min(hi, hi - L - 2); j < e; j++) s2 += w[ri + j] * w[rk + j + L + 2];
    out[L + maxLag] = s0;
    out[L + maxLag + 1] = s1;
    out[L + maxLag + 2] = s2;
    out[L + maxLag + 3] = s3;
  }
  for (; L <= maxLag; L++) {
    let s = 0;
    for (let j = Math.max(lo, lo - L), e = Math.min(hi, hi - L); j < e; j++) s += w[ri + j] * w[rk + j + L];
    out[L + maxLag] = s;
  }
}

/** Where each window's estimate applies: its mass centroid, or the nominal centres when those would not ascend. */
function effectiveCentres(est: WindowEstimate[], nominal: number[]): number[] {
  if (est.length === 1) return nominal;
  const c = est.map((e) => e.centreUm);
  for (let i = 1; i < c.length; i++) if (!(c[i] > c[i - 1] + 1e-6)) return nominal;
  return c;
}

/** time × windows table; each window's displacement blended with its neighbours', weighted by mass. */
function smoothAcrossWindows(est: WindowEstimate[], centres: number[], sdUm: number, nt: number): Float32Array {
  const nw = est.length;
  const out = new Float32Array(nt * nw);
  for (let a = 0; a < nw; a++) {
    const wts = est.map((e, b) => e.mass * (sdUm > 0 ? Math.exp(-0.5 * ((centres[a] - centres[b]) / sdUm) ** 2) : a === b ? 1 : 0));
    const sum = wts.reduce((s, v) => s + v, 0);
    for (let t = 0; t < nt; t++) {
      let s = 0;
      for (let b = 0; b < nw; b++) s += wts[b] * est[b].displacement[t];
      out[t * nw + a] = sum > 0 ? s / sum : 0;
    }
  }
  return out;
}
