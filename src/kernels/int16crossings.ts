/**
 * The matched filter's crossings read straight from int16 steps: correlationCrossings of the block that
 * normalizeInt16 would give, without that float32 block being made in full. The reference does exactly
 * that composition; the WASM backend normalises a few hundred rows at a time into a window that stays in
 * cache while its crossing kernel reads it, with the same values bit for bit.
 */
import type { CorrelationCrossings } from './types.js';
import { checkCorrelationCrossings, correlationCrossingsTS } from './crossings.js';
import { checkNormalizeInt16, normalizeInt16TS } from './normalize.js';

/** Validates the arguments of int16CorrelationCrossings; returns the number of output rows. */
export function checkInt16CorrelationCrossings(
  q: Int16Array, numChannels: number, gain: Float64Array, normScale: Float32Array, filter: Float32Array, scale: Float32Array, lo: number, hi: number,
): number {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`int16CorrelationCrossings: numChannels = ${numChannels} must be a positive integer`);
  if (q.length % numChannels !== 0) throw new Error(`int16CorrelationCrossings: ${q.length} samples is not a multiple of ${numChannels} channels`);
  if (gain.length < numChannels) throw new Error(`int16CorrelationCrossings: ${gain.length} gains for ${numChannels} channels`);
  if (normScale.length < numChannels) throw new Error(`int16CorrelationCrossings: ${normScale.length} normalising factors for ${numChannels} channels`);
  // The filter, scale and bounds as correlationCrossings checks them (an empty block: only its shape matters).
  checkCorrelationCrossings(new Float32Array(0), numChannels, filter, scale, lo, hi);
  return Math.max(0, q.length / numChannels - filter.length + 1);
}

export function int16CorrelationCrossingsTS(
  q: Int16Array, numChannels: number, gain: Float64Array, normScale: Float32Array, filter: Float32Array, scale: Float32Array, lo: number, hi: number,
): CorrelationCrossings {
  checkInt16CorrelationCrossings(q, numChannels, gain, normScale, filter, scale, lo, hi);
  const x = new Float32Array(q.length);
  checkNormalizeInt16(q, numChannels, gain, normScale, x);
  normalizeInt16TS(q, numChannels, gain, normScale, x);
  return correlationCrossingsTS(x, numChannels, filter, scale, lo, hi);
}
