/**
 * Crossings of per-channel integer limits in a time-major int16 block: the motion peaks' threshold
 * scan on the trace cache's steps (motion/peaks.ts motionStepLimits). Pure integer comparisons, so the
 * TS reference and the WASM kernel return identical indices.
 */

/** Ascending indices i of steps with steps[i] ≤ below[c] or steps[i] ≥ above[c], c = i mod numChannels. */
export function stepCrossingsTS(steps: Int16Array, numChannels: number, below: Int32Array, above: Int32Array): Int32Array {
  checkStepCrossings(steps, numChannels, below, above);
  const out: number[] = [];
  for (let i = 0, c = 0; i < steps.length; i++) {
    const q = steps[i];
    if (q <= below[c] || q >= above[c]) out.push(i);
    if (++c === numChannels) c = 0;
  }
  return Int32Array.from(out);
}

export function checkStepCrossings(steps: Int16Array, numChannels: number, below: Int32Array, above: Int32Array): void {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`stepCrossings: numChannels = ${numChannels} must be a positive integer`);
  if (steps.length % numChannels !== 0) throw new Error(`stepCrossings: ${steps.length} steps is not a multiple of ${numChannels} channels`);
  if (below.length < numChannels || above.length < numChannels) {
    throw new Error(`stepCrossings: ${below.length} lower and ${above.length} upper limits for ${numChannels} channels`);
  }
}
