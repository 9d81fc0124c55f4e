/**
 * units.png: one panel per unit with its template drawn on the channels around its peak, laid out as
 * they sit on the probe (Phy's waveform view), so a person can judge the units at a glance.
 * Green = labelled good, orange = mua; the panel title is the unit id.
 */
import { RgbaCanvas, ZlibDeflate, encodePng } from './png.js';
import { drawText, textWidth } from './font.js';

export interface UnitPanelInput {
  /** µV templates, units × time × channels (dense). */
  templates: Float32Array;
  numUnits: number;
  numSamples: number;
  numChannels: number;
  /** Channel positions (µm), [x0, y0, x1, y1, ...]. */
  locations: Float64Array;
  unitIds: readonly string[];
  labels?: readonly string[];
  /** Spikes per unit, printed under the id. */
  counts?: ArrayLike<number>;
}

export interface UnitPanelOptions {
  panelSize?: number;
  maxChannels?: number;
  maxUnits?: number;
}

const GOOD: [number, number, number] = [30, 140, 60];
const MUA: [number, number, number] = [220, 120, 20];
const GRID: [number, number, number] = [215, 215, 215];
const INK: [number, number, number] = [40, 40, 40];

export function renderUnitPanels(inp: UnitPanelInput, opts: UnitPanelOptions = {}): RgbaCanvas {
  const size = opts.panelSize ?? 170;
  const maxCh = opts.maxChannels ?? 12;
  const n = Math.min(inp.numUnits, opts.maxUnits ?? 400);
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const canvas = new RgbaCanvas(cols * size, rows * size);
  const { numSamples: len, numChannels: nc, templates, locations } = inp;
  for (let u = 0; u < n; u++) {
    const ox = (u % cols) * size;
    const oy = Math.floor(u / cols) * size;
    canvas.line(ox, oy + size - 1, ox + size - 1, oy + size - 1, GRID);
    canvas.line(ox + size - 1, oy, ox + size - 1, oy + size - 1, GRID);
    const amp = new Float64Array(nc);
    let peak = 0;
    for (let c = 0; c < nc; c++) {
      let m = 0;
      for (let p = 0; p < len; p++) m = Math.max(m, Math.abs(templates[(u * len + p) * nc + c]));
      amp[c] = m;
      if (m > amp[peak]) peak = c;
    }
    const chans = nearestChannels(locations, peak, nc, maxCh).filter((c) => amp[c] > 0);
    const colour = inp.labels?.[u] === 'good' ? GOOD : inp.labels?.[u] === 'mua' ? MUA : INK;
    const title = inp.counts ? `${inp.unitIds[u]}  n=${inp.counts[u]}` : inp.unitIds[u];
    drawText(canvas, title, ox + 5, oy + 4, colour, 2);
    if (chans.length === 0 || amp[peak] === 0) continue;
    // Map probe positions of the chosen channels into the panel, one waveform box per channel.
    const xs = chans.map((c) => locations[2 * c]);
    const ys = chans.map((c) => locations[2 * c + 1]);
    const ux = [...new Set(xs)].sort((a, b) => a - b);
    const uy = [...new Set(ys)].sort((a, b) => a - b);
    const top = 22;
    const boxW = (size - 10) / ux.length;
    const boxH = (size - top - 6) / uy.length;
    const scale = (0.5 * boxH * Math.max(1, uy.length / 2)) / amp[peak];
    chans.forEach((c, i) => {
      const bx = ox + 5 + ux.indexOf(xs[i]) * boxW;
      // Deeper channels (larger y) are drawn higher, as on a probe drawing.
      const by = oy + top + (uy.length - 1 - uy.indexOf(ys[i])) * boxH + boxH / 2;
      let px = bx;
      let py = by - templates[(u * len) * nc + c] * scale;
      for (let p = 1; p < len; p++) {
        const x = bx + (p / (len - 1)) * (boxW - 4);
        const y = by - templates[(u * len + p) * nc + c] * scale;
        canvas.line(px, py, x, y, c === peak ? colour : INK, 1);
        px = x;
        py = y;
      }
    });
  }
  if (inp.numUnits > n) drawText(canvas, `+${inp.numUnits - n} more`, canvas.width - textWidth(`+${inp.numUnits - n} more`, 2) - 4, canvas.height - 16, INK, 2);
  return canvas;
}

export function unitPanelsPng(inp: UnitPanelInput, opts: UnitPanelOptions = {}, deflate?: ZlibDeflate): Uint8Array {
  return encodePng(renderUnitPanels(inp, opts), deflate);
}

function nearestChannels(locations: Float64Array, peak: number, nc: number, k: number): number[] {
  const d = (c: number) => Math.hypot(locations[2 * c] - locations[2 * peak], locations[2 * c + 1] - locations[2 * peak + 1]);
  return Array.from({ length: nc }, (_, c) => c)
    .sort((a, b) => d(a) - d(b) || a - b)
    .slice(0, k);
}
