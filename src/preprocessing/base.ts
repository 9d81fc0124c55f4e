/**
 * Shared plumbing of lazy preprocessors: float32 µV output (gains 1, offsets 0) with the parent's
 * metadata, and worker specs whose parent is a nested spec.
 */
import { Recording, RecordingInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';

/** Metadata of a float32 µV recording with the parent's channels, probe, properties and times. */
export function preprocessedInit(parent: Recording, overrides: Partial<RecordingInit> = {}): RecordingInit {
  const n = parent.numChannels;
  return parent.baseInit({
    dtype: 'float32',
    gains: new Float64Array(n).fill(1),
    offsets: new Float64Array(n),
    ...overrides,
  });
}

/** { module, exportName, args: { parent: parentSpec, ...args } }, or null when the parent cannot travel. */
export function specWithParent(module: string, exportName: string, parent: Recording, args: Record<string, unknown>): RecordingSpec | null {
  const p = parent.toSpec();
  if (p === null) return null;
  return { module, exportName, args: { parent: p, ...args } };
}

/** All channel indices 0..n-1. */
export function allChannels(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
