/**
 * Threshold crossings: the indices of the values of a float32 block at or beyond a lower and an upper
 * bound. Peak detection scans every sample of every chunk for them; the WASM kernel does the same float64
 * comparisons, so both backends return identical indices.
 */
import type { CorrelationCrossings } from './types.js';
import { correlateChannelsTS } from './correlate.js';
import { scaleChannelsTS } from './quantize.js';

/** Ascending indices i with x[i] ≤ lo or x[i] ≥ hi (a NaN bound matches nothing: pass NaN to use one side). */
export function thresholdCrossingsTS(x: Float32Array, lo: number, hi: number): Int32Array {
  checkCrossingBounds(lo, hi);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v <= lo || v >= hi) out.push(i);
  }
  return Int32Array.from(out);
}

export function checkCrossingBounds(lo: number, hi: number): void {
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new Error(`thresholdCrossings: bounds must be numbers, got ${typeof lo} and ${typeof hi}`);
}

/**
 * Kernels.correlationCrossings as the reference kernels compute it, one after the other: the correlation,
 * the per-channel scale, the threshold scan, then the values at the crossings.
 */
export function correlationCrossingsTS(x: Float32Array, numChannels: number, filter: Float32Array, scale: Float32Array, lo: number, hi: number): CorrelationCrossings {
  const nOut = checkCorrelationCrossings(x, numChannels, filter, scale, lo, hi);
  if (nOut === 0) return { index: new Int32Array(0), value: new Float32Array(0) };
  const y = new Float32Array(nOut * numChannels);
  correlateChannelsTS(x, numChannels, filter, filter.length, y);
  scaleChannelsTS(y, numChannels, scale, y);
  const index = thresholdCrossingsTS(y, lo, hi);
  return { index, value: Float32Array.from(index, (i) => y[i]) };
}

/** Validates correlationCrossings' arguments; returns the number of output rows (0 when x is shorter than the filter). */
export function checkCorrelationCrossings(x: Float32Array, numChannels: number, filter: Float32Array, scale: Float32Array, lo: number, hi: number): number {
  checkCrossingBounds(lo, hi);
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`correlationCrossings: numChannels = ${numChannels} must be a positive integer`);
  if (x.length % numChannels !== 0) throw new Error(`correlationCrossings: ${x.length} samples is not a multiple of ${numChannels} channels`);
  if (filter.length === 0) throw new Error('correlationCrossings: the filter is empty');
  if (scale.length < numChannels) throw new Error(`correlationCrossings: ${scale.length} scale factors for ${numChannels} channels`);
  return Math.max(0, x.length / numChannels - filter.length + 1);
}
