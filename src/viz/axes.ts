/** Axes for raster plots: "nice" tick values, tick marks and labels drawn with the bitmap font. */
import type { RgbaCanvas } from './png.js';
import { drawText, textWidth } from './font.js';

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const AXIS: [number, number, number] = [60, 60, 60];

/** Draws the x axis along the bottom and the y axis along the left of `area`, with ticks and titles. */
export function drawAxes(
  canvas: RgbaCanvas,
  area: PlotArea,
  x: { lo: number; hi: number; label: string; px: (v: number) => number },
  y: { lo: number; hi: number; label: string; py: (v: number) => number },
): void {
  canvas.line(area.left, area.bottom, area.right, area.bottom, AXIS);
  canvas.line(area.left, area.top, area.left, area.bottom, AXIS);
  for (const v of niceTicks(x.lo, x.hi)) {
    const p = x.px(v);
    canvas.line(p, area.bottom, p, area.bottom + 5, AXIS);
    const s = String(v);
    drawText(canvas, s, p - textWidth(s, 2) / 2, area.bottom + 9, AXIS, 2);
  }
  drawText(canvas, x.label, (area.left + area.right) / 2 - textWidth(x.label, 2) / 2, area.bottom + 30, AXIS, 2);
  for (const v of niceTicks(y.lo, y.hi)) {
    const p = y.py(v);
    canvas.line(area.left - 5, p, area.left, p, AXIS);
    const s = String(v);
    drawText(canvas, s, area.left - 9 - textWidth(s, 2), p - 7, AXIS, 2);
  }
  drawText(canvas, y.label, 4, area.top - 22, AXIS, 2);
}
