/**
 * A whole filter read in one kernel call: (int16 steps → µV), forward sosfilt, (backward sosfilt), each pass
 * started from the filter's steady state for the first row it meets, and the wanted rows written to `out`.
 * The same arithmetic as FilterRecording's former chain of separate calls (dequantizeInt16, then sosfilt twice
 * on the block), so the WASM backend can run it on one copy of the block in its memory instead of streaming
 * the block in and out for each step.
 */
import { dequantizeInt16TS } from './quantize.js';
import { sosfiltTS } from './sosfilt.js';

export function checkSosfiltfilt(
  sos: Float64Array, zi: Float64Array, x: Float32Array | Int16Array, numChannels: number, gain: Float64Array | null, out: Float32Array, fromRow: number,
): number {
  const nc = numChannels;
  const nsec = sos.length / 6;
  if (!Number.isInteger(nsec)) throw new Error(`sosfiltfilt: sos has ${sos.length} values, not a multiple of 6`);
  if (zi.length !== nsec * 2) throw new Error(`sosfiltfilt: zi has ${zi.length} values, expected ${nsec * 2} (2 per section)`);
  if (!Number.isInteger(nc) || nc <= 0) throw new Error(`sosfiltfilt: numChannels = ${nc} must be a positive integer`);
  if (x.length % nc !== 0) throw new Error(`sosfiltfilt: ${x.length} samples is not a multiple of ${nc} channels`);
  if (x instanceof Int16Array) {
    if (!gain || gain.length < nc) throw new Error(`sosfiltfilt: int16 input needs one gain per channel (${nc}), got ${gain?.length ?? 'none'}`);
  } else if (gain) {
    throw new Error('sosfiltfilt: gains apply to int16 input only; pass null for float32 µV');
  }
  const nt = x.length / nc;
  const rows = out.length / nc;
  if (!Number.isInteger(rows) || !Number.isInteger(fromRow) || fromRow < 0 || fromRow + rows > nt) {
    throw new Error(`sosfiltfilt: out (${out.length} values) from row ${fromRow} does not fit in the ${nt} rows of ${nc} channels`);
  }
  return nt;
}

/** Per-channel delays (section, delay, channel) for a constant input equal to row t of x: zi × x[t, c], in float64. */
export function steadyStateAtRow(zi: Float64Array, x: Float32Array, nc: number, t: number): Float64Array {
  const nd = zi.length;
  const state = new Float64Array(nd * nc);
  const row = t * nc;
  for (let d = 0; d < nd; d++) {
    const z = zi[d];
    const o = d * nc;
    for (let c = 0; c < nc; c++) state[o + c] = z * x[row + c];
  }
  return state;
}

/**
 * out = rows [fromRow, fromRow + out.length / nc) of x (µV, or int16 steps × gain[c] rounded to float32)
 * filtered through sos forward and, when zeroPhase, backward; each pass starts from zi (the steady-state delays
 * for a unit input, sections × 2) times the first row it meets. x is not modified.
 */
export function sosfiltfiltTS(
  sos: Float64Array, zi: Float64Array, x: Float32Array | Int16Array, numChannels: number, gain: Float64Array | null, zeroPhase: boolean, out: Float32Array, fromRow: number,
): void {
  const nt = checkSosfiltfilt(sos, zi, x, numChannels, gain, out, fromRow);
  const nc = numChannels;
  let w: Float32Array;
  if (x instanceof Int16Array) {
    w = new Float32Array(x.length);
    dequantizeInt16TS(x, nc, gain!, w);
  } else {
    w = x.slice();
  }
  if (nt > 0) {
    sosfiltTS(sos, w, nc, steadyStateAtRow(zi, w, nc, 0), false);
    if (zeroPhase) sosfiltTS(sos, w, nc, steadyStateAtRow(zi, w, nc, nt - 1), true);
  }
  out.set(w.subarray(fromRow * nc, fromRow * nc + out.length));
}
