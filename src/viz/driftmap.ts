/**
 * The drift map: every localized peak as a dot at (time, depth), coloured by amplitude (light to
 * dark), with the estimated motion drawn as lines (one per window, centred on the window depth).
 */
import type { Motion } from '../motion/motion.js';
import { RgbaCanvas, ZlibDeflate, encodePng } from './png.js';
import { drawAxes } from './axes.js';
import { drawText } from './font.js';

export interface DriftMapPeaks {
  timeS: ArrayLike<number>;
  y: ArrayLike<number>;
  amplitude: ArrayLike<number>;
  segment?: ArrayLike<number>;
}

export interface DriftMapOptions {
  width?: number;
  height?: number;
  /** Segment drawn. Default 0. */
  segment?: number;
  /** Depth range (µm); default from the peaks. */
  yRange?: [number, number];
  /** Time range (s); default from the motion or the peaks. */
  tRange?: [number, number];
}

const MOTION_COLOURS: [number, number, number][] = [[220, 30, 30], [230, 120, 0], [0, 140, 60], [30, 90, 220], [150, 40, 180]];

/** Amplitude colour: pale yellow → dark blue as the log-amplitude rises through its 5–95 % range. */
function colourOf(f: number): [number, number, number] {
  const c0 = [250, 220, 120];
  const c1 = [20, 30, 120];
  return [0, 1, 2].map((k) => Math.round(c0[k] + (c1[k] - c0[k]) * f)) as [number, number, number];
}

/** [min, max] of values and an initial range (loops: spreading millions of values would overflow the stack). */
function extent(v: number[], init: [number, number]): [number, number] {
  let lo = init[0];
  let hi = init[1];
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

export function renderDriftMap(peaks: DriftMapPeaks, motion: Motion | null, opts: DriftMapOptions = {}): RgbaCanvas {
  const W = opts.width ?? 900;
  const H = opts.height ?? 600;
  const seg = opts.segment ?? 0;
  const idx: number[] = [];
  for (let i = 0; i < peaks.y.length; i++) if ((peaks.segment ? peaks.segment[i] : 0) === seg && Number.isFinite(peaks.y[i])) idx.push(i);
  const ys = idx.map((i) => peaks.y[i]);
  const ts = idx.map((i) => peaks.timeS[i]);
  const tb = motion?.temporalBinsS[seg];
  const tr = extent(ts, tb && tb.length > 1 ? [tb[0], tb[tb.length - 1]] : [0, 1]);
  const [t0, t1] = opts.tRange ?? tr;
  const [y0, y1] = opts.yRange ?? extent(ys, ys.length ? [ys[0], ys[0] + 1] : [0, 1]);
  const margin = { l: 80, r: 15, t: 50, b: 60 };
  const px = (t: number) => margin.l + ((t - t0) / Math.max(1e-9, t1 - t0)) * (W - margin.l - margin.r);
  // Depth grows upwards, as along the probe.
  const py = (y: number) => H - margin.b - ((y - y0) / Math.max(1e-9, y1 - y0)) * (H - margin.t - margin.b);
  const canvas = new RgbaCanvas(W, H);
  const logA = idx.map((i) => Math.log1p(Math.max(0, peaks.amplitude[i])));
  const sorted = Float64Array.from(logA).sort();
  const lo = sorted[Math.floor(0.05 * (sorted.length - 1))] ?? 0;
  const hi = sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 1;
  // Weak peaks first so that strong ones stay visible on top.
  const order = idx.map((_, j) => j).sort((a, b) => logA[a] - logA[b]);
  for (const j of order) {
    const f = Math.min(1, Math.max(0, (logA[j] - lo) / Math.max(1e-9, hi - lo)));
    canvas.fillRect(px(ts[j]) - 1, py(ys[j]) - 1, 2, 2, colourOf(f), 0.3 + 0.5 * f);
  }
  if (motion && tb) {
    motion.shanks.forEach((sh, k) => {
      const nw = sh.spatialBinsUm.length;
      const d = sh.displacementUm[seg];
      for (let w = 0; w < nw; w++) {
        const rgb = MOTION_COLOURS[(k * nw + w) % MOTION_COLOURS.length];
        for (let i = 0; i + 1 < tb.length; i++) {
          canvas.line(px(tb[i]), py(sh.spatialBinsUm[w] + d[i * nw + w]), px(tb[i + 1]), py(sh.spatialBinsUm[w] + d[(i + 1) * nw + w]), rgb, 2);
        }
      }
    });
  }
  const area = { left: margin.l, top: margin.t, right: W - margin.r, bottom: H - margin.b };
  drawAxes(canvas, area, { lo: t0, hi: t1, label: 'time (s)', px }, { lo: y0, hi: y1, label: 'depth (um)', py });
  drawText(canvas, motion ? 'peaks by amplitude (dark = large), estimated motion as lines' : 'peaks by amplitude (dark = large)', margin.l, 6, [40, 40, 40], 2);
  return canvas;
}

/** PNG bytes of the drift map (write them with writeFileAtomic). */
export function driftMapPng(peaks: DriftMapPeaks, motion: Motion | null, opts: DriftMapOptions = {}, deflate?: ZlibDeflate): Uint8Array {
  return encodePng(renderDriftMap(peaks, motion, opts), deflate);
}
