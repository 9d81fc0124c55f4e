/**
 * The analytic spike model of the ground-truth generator. A unit's waveform is a sum of Gaussian bumps
 * (a sharp trough at t = 0, a slower positive rebound and, for triphasic units, a small positive
 * pre-peak); its amplitude on a contact decays as exp(−d/λ) with the 3-D distance d from the unit to
 * the contact, and arrives later on farther contacts (propagation). Because the model is analytic,
 * a drifted unit's template is recomputed exactly at its new position instead of interpolated.
 */
import type { CounterRng } from './generatorrandom.js';

export interface WaveformParams {
  /** Gaussian width (ms) of the negative trough. */
  troughWidthMs: number;
  /** Delay (ms) and width (ms) of the positive rebound, and its height relative to the trough. */
  reboundDelayMs: number;
  reboundWidthMs: number;
  reboundAmplitude: number;
  /** Height of the positive pre-peak relative to the trough (0 = biphasic). */
  prePeakAmplitude: number;
  /** Spatial decay length λ (µm). */
  spatialDecayUm: number;
  /** Propagation speed (µm/ms). */
  propagationUmPerMs: number;
}

export interface WaveformRanges {
  troughWidthMs: [number, number];
  reboundDelayMs: [number, number];
  reboundWidthMs: [number, number];
  reboundAmplitude: [number, number];
  spatialDecayUm: [number, number];
  propagationUmPerMs: [number, number];
  /** Fraction of units with a triphasic waveform. */
  triphasicFraction: number;
}

export const DEFAULT_WAVEFORM_RANGES: WaveformRanges = {
  troughWidthMs: [0.07, 0.14],
  reboundDelayMs: [0.35, 0.7],
  reboundWidthMs: [0.2, 0.45],
  reboundAmplitude: [0.15, 0.4],
  spatialDecayUm: [20, 40],
  propagationUmPerMs: [250, 450],
  triphasicFraction: 0.3,
};

export function drawWaveformParams(rng: CounterRng, r: WaveformRanges): WaveformParams {
  const pick = (x: [number, number]) => rng.range(x[0], x[1]);
  const p: WaveformParams = {
    troughWidthMs: pick(r.troughWidthMs),
    reboundDelayMs: pick(r.reboundDelayMs),
    reboundWidthMs: pick(r.reboundWidthMs),
    reboundAmplitude: pick(r.reboundAmplitude),
    prePeakAmplitude: 0,
    spatialDecayUm: pick(r.spatialDecayUm),
    propagationUmPerMs: pick(r.propagationUmPerMs),
  };
  if (rng.uniform() < r.triphasicFraction) p.prePeakAmplitude = rng.range(0.08, 0.2);
  return p;
}

/** Waveform value at time t (ms from the trough); the trough is ≈ −1. */
export function waveformAt(tMs: number, p: WaveformParams): number {
  const g = (x: number, w: number) => Math.exp(-0.5 * (x / w) * (x / w));
  let v = -g(tMs, p.troughWidthMs) + p.reboundAmplitude * g(tMs - p.reboundDelayMs, p.reboundWidthMs);
  if (p.prePeakAmplitude > 0) v += p.prePeakAmplitude * g(tMs + 2.5 * p.troughWidthMs, p.troughWidthMs);
  return v;
}

/** A template restricted to the contacts where the unit is visible: data is time × channels.length. */
export interface SparseTemplate {
  channels: Int32Array;
  data: Float32Array;
}

/** Contacts whose spatial factor is below this fraction of the unit's largest one are left out. */
const VISIBLE_FRACTION = 0.005;

/**
 * The template (µV) of a unit at (x, y, z) µm for contacts at (cx[c], cy[c], 0), scaled by `gain`,
 * on `numSamples` samples with the trough at sample nBefore.
 */
export function sparseTemplateAt(
  pos: [number, number, number],
  p: WaveformParams,
  gain: number,
  cx: Float64Array,
  cy: Float64Array,
  nBefore: number,
  numSamples: number,
  samplingFrequency: number,
): SparseTemplate {
  const nc = cx.length;
  const dist = new Float64Array(nc);
  let dmin = Infinity;
  for (let c = 0; c < nc; c++) {
    const dx = cx[c] - pos[0];
    const dy = cy[c] - pos[1];
    dist[c] = Math.sqrt(dx * dx + dy * dy + pos[2] * pos[2]);
    dmin = Math.min(dmin, dist[c]);
  }
  const keep: number[] = [];
  for (let c = 0; c < nc; c++) if (Math.exp(-(dist[c] - dmin) / p.spatialDecayUm) >= VISIBLE_FRACTION) keep.push(c);
  const channels = Int32Array.from(keep);
  const data = new Float32Array(numSamples * channels.length);
  const msPerSample = 1000 / samplingFrequency;
  channels.forEach((c, j) => {
    const amp = gain * Math.exp(-dist[c] / p.spatialDecayUm);
    // Farther contacts see the spike later; the closest contact defines t = 0.
    const delayMs = (dist[c] - dmin) / p.propagationUmPerMs;
    for (let i = 0; i < numSamples; i++) data[i * channels.length + j] = amp * waveformAt((i - nBefore) * msPerSample - delayMs, p);
  });
  return { channels, data };
}

/** Largest |value| of a sparse template and the channel where it occurs. */
export function templatePeak(t: SparseTemplate): { channel: number; value: number } {
  const nc = t.channels.length;
  let best = 0;
  let bestC = nc > 0 ? t.channels[0] : -1;
  for (let i = 0; i < t.data.length; i++) {
    const a = Math.abs(t.data[i]);
    if (a > best) {
      best = a;
      bestC = t.channels[i % nc];
    }
  }
  return { channel: bestC, value: best };
}
