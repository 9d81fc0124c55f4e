/**
 * Spike localization: where along (x, y) and how far from the probe plane (z) each peak comes from.
 * The amplitude feature is the peak-to-peak voltage on the channels around the peak channel; the
 * position is the monopolar source that best explains it (a(c) = α / |source − contact c|, fitted
 * by Levenberg–Marquardt, as SpikeInterface's monopolar_triangulation and DREDge), started from and
 * falling back to the amplitude-weighted centre of mass.
 */
import type { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { channelNeighbourhoods } from '../sortingcomponents/neighbours.js';

export interface PeakRefs {
  sample: Float64Array;
  channel: Int32Array;
  /** Segment of each peak; all 0 when omitted. */
  segment?: Int32Array;
}

export interface LocalizeOptions {
  /** Channels within this distance of the peak channel form its neighbourhood. Default 75 µm. */
  radiusUm?: number;
  /** Peak-to-peak window around the peak sample. Defaults 0.5 ms before, 1 ms after. */
  msBefore?: number;
  msAfter?: number;
  method?: 'monopolar' | 'center-of-mass';
  /** Largest |x|, |y| distance (µm) the source may move from the centre of mass. Default 100. */
  maxDistanceUm?: number;
  /** Trace chunk read at once. Default 1 s. */
  chunkSeconds?: number;
  reporter?: Reporter;
}

export interface PeakLocations {
  x: Float64Array;
  y: Float64Array;
  /** Distance from the probe plane (µm); NaN for centre of mass. */
  z: Float64Array;
  /** Largest peak-to-peak amplitude (µV) on the neighbourhood. */
  amplitude: Float32Array;
}

export interface LocalizeGeometry {
  locations: Float64Array;
  neighbours: Int32Array[];
}

export function localizeGeometry(rec: Recording, radiusUm = 75): LocalizeGeometry {
  const locations = rec.getChannelLocations();
  return { locations, neighbours: channelNeighbourhoods(locations, radiusUm, rec.numChannels) };
}

/** Centre of mass of amplitudes a[j] at contacts chans[j]. */
export function centerOfMass(a: ArrayLike<number>, chans: ArrayLike<number>, loc: Float64Array): [number, number] {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let j = 0; j < a.length; j++) {
    const w = Math.max(0, a[j]);
    sw += w;
    sx += w * loc[2 * chans[j]];
    sy += w * loc[2 * chans[j] + 1];
  }
  if (!(sw > 0)) return [loc[2 * chans[0]], loc[2 * chans[0] + 1]];
  return [sx / sw, sy / sw];
}

/**
 * Monopolar source (x, y, z, α) fitted to amplitudes a[j] at contacts chans[j] by Levenberg–Marquardt
 * on Σ (a_j − α / r_j)², started at (x0, y0). Returns null when the fit does not converge to a
 * finite point within maxDistance of the start.
 */
export function fitMonopolar(a: ArrayLike<number>, chans: ArrayLike<number>, loc: Float64Array, x0: number, y0: number, maxDistance = 100): [number, number, number, number] | null {
  const n = a.length;
  if (n < 4) return null;
  let amax = 0;
  for (let j = 0; j < n; j++) amax = Math.max(amax, a[j]);
  if (!(amax > 0)) return null;
  // Localization runs this for every motion peak (tens of thousands per minute of 384-channel data):
  // the contacts are gathered once and all working arrays are reused, so the loop allocates nothing.
  const w = fitScratch(n);
  for (let j = 0; j < n; j++) {
    w.amp[j] = a[j];
    w.cx[j] = loc[2 * chans[j]];
    w.cy[j] = loc[2 * chans[j] + 1];
  }
  const p = w.p;
  p[0] = x0;
  p[1] = y0;
  p[2] = 20;
  p[3] = 0;
  p[3] = alphaFor(p, w, n);
  let cost = residualCost(p, w, n);
  let lambda = 1e-2;
  const { H, g, A, q } = w;
  for (let it = 0; it < 50; it++) {
    normalEquations(p, w, n);
    let improved = false;
    for (let tries = 0; tries < 10 && !improved; tries++) {
      A.set(H);
      for (let u = 0; u < 4; u++) A[u * 5] += lambda * (H[u * 5] + 1e-9);
      const step = solve4(A, g, w);
      if (!step) break;
      // z is a distance: it stays positive (at least 1 µm keeps 1/r finite).
      q[0] = p[0] + step[0];
      q[1] = p[1] + step[1];
      q[2] = Math.max(1, p[2] + step[2]);
      q[3] = p[3] + step[3];
      const c = residualCost(q, w, n);
      if (c < cost) {
        const rel = (cost - c) / Math.max(cost, 1e-30);
        p.set(q);
        cost = c;
        lambda = Math.max(lambda / 3, 1e-7);
        improved = true;
        if (rel < 1e-9) it = 50;
      } else {
        lambda *= 4;
      }
    }
    if (!improved) break;
  }
  if (!p.every(Number.isFinite) || Math.abs(p[0] - x0) > maxDistance || Math.abs(p[1] - y0) > maxDistance || p[3] <= 0) return null;
  return [p[0], p[1], p[2], p[3]];
}

/** Working arrays of fitMonopolar, reused from call to call (grown to the largest neighbourhood). */
interface FitScratch {
  amp: Float64Array;
  cx: Float64Array;
  cy: Float64Array;
  p: Float64Array;
  q: Float64Array;
  H: Float64Array;
  g: Float64Array;
  A: Float64Array;
  m: Float64Array;
  x: Float64Array;
}

let scratch: FitScratch | null = null;

function fitScratch(n: number): FitScratch {
  if (!scratch || scratch.amp.length < n) {
    const len = Math.max(n, 32);
    scratch = {
      amp: new Float64Array(len), cx: new Float64Array(len), cy: new Float64Array(len),
      p: new Float64Array(4), q: new Float64Array(4), H: new Float64Array(16), g: new Float64Array(4),
      A: new Float64Array(16), m: new Float64Array(16), x: new Float64Array(4),
    };
  }
  return scratch;
}

/**
 * Gauss–Newton normal equations at p: w.H = JᵀJ and w.g = Jᵀr, summed over the contacts in order.
 * H is symmetric and J[u]·J[v] = J[v]·J[u] exactly, so each pair is summed once and mirrored.
 */
function normalEquations(p: Float64Array, w: FitScratch, n: number): void {
  const { amp, cx, cy, H, g } = w;
  const p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];
  let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h11 = 0, h12 = 0, h13 = 0, h22 = 0, h23 = 0, h33 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0;
  for (let j = 0; j < n; j++) {
    const dx = p0 - cx[j];
    const dy = p1 - cy[j];
    const r = Math.sqrt(dx * dx + dy * dy + p2 * p2);
    const r3 = r * r * r;
    const res = amp[j] - p3 / r;
    const j0 = (-p3 * dx) / r3;
    const j1 = (-p3 * dy) / r3;
    const j2 = (-p3 * p2) / r3;
    const j3 = 1 / r;
    g0 += j0 * res;
    g1 += j1 * res;
    g2 += j2 * res;
    g3 += j3 * res;
    h00 += j0 * j0; h01 += j0 * j1; h02 += j0 * j2; h03 += j0 * j3;
    h11 += j1 * j1; h12 += j1 * j2; h13 += j1 * j3;
    h22 += j2 * j2; h23 += j2 * j3;
    h33 += j3 * j3;
  }
  H[0] = h00; H[1] = h01; H[2] = h02; H[3] = h03;
  H[4] = h01; H[5] = h11; H[6] = h12; H[7] = h13;
  H[8] = h02; H[9] = h12; H[10] = h22; H[11] = h23;
  H[12] = h03; H[13] = h13; H[14] = h23; H[15] = h33;
  g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3;
}

/**
 * Math.hypot(a, b, c) computed as V8 (Node 20) computes it, so with the same bits: the largest magnitude
 * factored out, the scaled squares summed with Kahan compensation. Math.hypot is a variadic builtin that
 * the optimizer does not inline (about 7× slower per call), and the fit calls it for every contact at every
 * step of every motion peak; this inlines.
 */
export function hypot3(a: number, b: number, c: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  c = Math.abs(c);
  if (a === Infinity || b === Infinity || c === Infinity) return Infinity;
  if (a !== a || b !== b || c !== c) return NaN;
  let max = a > b ? a : b;
  if (c > max) max = c;
  if (max === 0) return 0;
  // V8's loop, unrolled: sum += (v / max)² − compensation for a, b, c. After a, sum = (a / max)² and the
  // compensation is 0 exactly.
  const sa = (a / max) * (a / max);
  const sb = (b / max) * (b / max);
  const ab = sa + sb;
  const compensation = ab - sa - sb;
  const sc = (c / max) * (c / max);
  return Math.sqrt(ab + (sc - compensation)) * max;
}

/** Least-squares α for a fixed position. */
function alphaFor(p: Float64Array, w: FitScratch, n: number): number {
  let num = 0;
  let den = 0;
  for (let j = 0; j < n; j++) {
    const r = hypot3(p[0] - w.cx[j], p[1] - w.cy[j], p[2]);
    num += w.amp[j] / r;
    den += 1 / (r * r);
  }
  return den > 0 ? num / den : 0;
}

function residualCost(p: Float64Array, w: FitScratch, n: number): number {
  const { amp, cx, cy } = w;
  const p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];
  let s = 0;
  for (let j = 0; j < n; j++) {
    const r = hypot3(p0 - cx[j], p1 - cy[j], p2);
    const e = amp[j] - p3 / r;
    s += e * e;
  }
  return s;
}

/**
 * Solves the 4 × 4 system A x = b by Gaussian elimination with partial pivoting, in w.m and w.x
 * (A and b are left as they were); returns w.x, or null if singular.
 */
function solve4(A: Float64Array, b: Float64Array, w: Pick<FitScratch, 'm' | 'x'>): Float64Array | null {
  const m = w.m;
  const x = w.x;
  m.set(A);
  x.set(b);
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r * 4 + c]) > Math.abs(m[piv * 4 + c])) piv = r;
    if (!(Math.abs(m[piv * 4 + c]) > 1e-300)) return null;
    if (piv !== c) {
      for (let k = 0; k < 4; k++) {
        const t = m[c * 4 + k];
        m[c * 4 + k] = m[piv * 4 + k];
        m[piv * 4 + k] = t;
      }
      const t = x[c];
      x[c] = x[piv];
      x[piv] = t;
    }
    for (let r = c + 1; r < 4; r++) {
      const f = m[r * 4 + c] / m[c * 4 + c];
      for (let k = c; k < 4; k++) m[r * 4 + k] -= f * m[c * 4 + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = 3; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < 4; k++) s -= m[c * 4 + k] * x[k];
    x[c] = s / m[c * 4 + c];
  }
  return x;
}

export interface WindowPeaks {
  /** Rows of the window (0-based) of the peaks to localize. */
  row: ArrayLike<number>;
  channel: ArrayLike<number>;
}

/**
 * Localizes peaks in one time-major µV window (numSamples × numChannels); results are written at
 * out index outIndex[i]. Peaks too close to the window edges use the samples that exist.
 */
export function localizeInWindow(
  data: Float32Array,
  numSamples: number,
  geo: LocalizeGeometry,
  peaks: WindowPeaks,
  nBefore: number,
  nAfter: number,
  method: 'monopolar' | 'center-of-mass',
  maxDistanceUm: number,
  out: PeakLocations,
  outIndex: ArrayLike<number>,
): void {
  const nc = geo.neighbours.length;
  const amps = new Float64Array(nc);
  for (let i = 0; i < peaks.row.length; i++) {
    const chans = geo.neighbours[peaks.channel[i]];
    const t0 = Math.max(0, peaks.row[i] - nBefore);
    const t1 = Math.min(numSamples, peaks.row[i] + nAfter + 1);
    for (let j = 0; j < chans.length; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let t = t0; t < t1; t++) {
        const v = data[t * nc + chans[j]];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      amps[j] = t1 > t0 ? hi - lo : 0;
    }
    localizeFromAmplitudes(amps.subarray(0, chans.length), chans, geo, method, maxDistanceUm, out, outIndex[i]);
  }
}

/**
 * Writes entry k of `out` for a peak whose peak-to-peak amplitudes on its neighbourhood `chans` are
 * `amps` (what localizeInWindow measures; callers that hold the traces in another form measure them
 * themselves and come here).
 */
export function localizeFromAmplitudes(
  amps: Float64Array, chans: Int32Array, geo: LocalizeGeometry, method: 'monopolar' | 'center-of-mass', maxDistanceUm: number, out: PeakLocations, k: number,
): void {
  let best = 0;
  for (let j = 0; j < amps.length; j++) best = Math.max(best, amps[j]);
  const [cx, cy] = centerOfMass(amps, chans, geo.locations);
  const fit = method === 'monopolar' ? fitMonopolar(amps, chans, geo.locations, cx, cy, maxDistanceUm) : null;
  out.x[k] = fit ? fit[0] : cx;
  out.y[k] = fit ? fit[1] : cy;
  out.z[k] = fit ? fit[2] : NaN;
  out.amplitude[k] = best;
}

export function emptyLocations(n: number): PeakLocations {
  return { x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n), amplitude: new Float32Array(n) };
}

/** Localizes the given peaks of a (filtered) recording, reading it chunk by chunk. */
export function localizePeaks(recording: Recording, peaks: PeakRefs, opts: LocalizeOptions = {}): PeakLocations {
  const n = peaks.sample.length;
  if (peaks.channel.length !== n || (peaks.segment && peaks.segment.length !== n)) {
    throw new Error(`localizePeaks: sample, channel and segment must have one entry per peak (got ${n}, ${peaks.channel.length}, ${peaks.segment?.length ?? n})`);
  }
  const fs = recording.samplingFrequency;
  const geo = localizeGeometry(recording, opts.radiusUm ?? 75);
  const nBefore = Math.round(((opts.msBefore ?? 0.5) * fs) / 1000);
  const nAfter = Math.round(((opts.msAfter ?? 1.0) * fs) / 1000);
  const chunk = Math.max(1, Math.round((opts.chunkSeconds ?? 1) * fs));
  const method = opts.method ?? 'monopolar';
  const reporter = opts.reporter ?? silentReporter;
  const out = emptyLocations(n);
  // Peaks grouped by (segment, chunk) so each chunk of traces is read once.
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const seg = peaks.segment ? peaks.segment[i] : 0;
    const s = peaks.sample[i];
    if (!(s >= 0 && s < recording.getNumSamples(seg)) || peaks.channel[i] < 0 || peaks.channel[i] >= recording.numChannels) {
      throw new Error(`localizePeaks: peak ${i} (segment ${seg}, sample ${s}, channel ${peaks.channel[i]}) is outside the recording`);
    }
    const key = `${seg}:${Math.floor(s / chunk)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  reporter.begin('localize peaks', groups.size);
  let done = 0;
  for (const [key, idx] of groups) {
    const [seg, c] = key.split(':').map(Number);
    const ns = recording.getNumSamples(seg);
    const start = Math.max(0, c * chunk - nBefore);
    const end = Math.min(ns, (c + 1) * chunk + nAfter + 1);
    const data = recording.getTraces({ segment: seg, start, end, scaled: true }) as Float32Array;
    localizeInWindow(
      data,
      end - start,
      geo,
      { row: idx.map((i) => peaks.sample[i] - start), channel: idx.map((i) => peaks.channel[i]) },
      nBefore,
      nAfter,
      method,
      opts.maxDistanceUm ?? 100,
      out,
      idx,
    );
    reporter.progress(++done);
  }
  reporter.end();
  return out;
}
