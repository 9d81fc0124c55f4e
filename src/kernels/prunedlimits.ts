/**
 * Host-side constants of the pruned crossing kernel (assembly/prunedcrossings.ts): which taps form the
 * bound's partial sum, and the per-channel limits below which a row provably cannot cross. Shared by every
 * driver of that kernel (float32 windows in wasm.ts, int16 steps in int16crossingswasm.ts).
 */

/** Output rows per tile of assembly/prunedcrossings.ts (each tile restarts its sliding window energies). */
export const PRUNE_TILE_ROWS = 128;
/** Rows of nc floats of the kernel's energy scratch (pE): the energies and a row of zeros. */
export const PRUNE_SCRATCH_ROWS = 2;
/** Taps in the pruning bound's partial sum: the largest ones carry most of a spike-shaped filter's norm. */
export const PRUNE_PARTIAL_TAPS = 8;
/**
 * Allowance (relative to the tile's sum of squares) for the rounding of the sliding window energies: at most
 * (2 · taps + 3 · tile rows) float32 roundings of values no larger than that sum, 704 · 2⁻²⁴ < 2⁻¹⁴ for 160 taps.
 */
export const PRUNE_ENERGY_SLACK = 2 ** -14;
/** Longer filters (over 6.7 ms at 30 kHz) are not pruned: the slack would no longer cover 2 · taps + 3 · tile rows roundings. */
const PRUNE_MAX_TAPS = 160;

/**
 * The pruned kernel's constants. Skipping a row is sound when its bound |p| + restNorm · √E is below
 * thr / |scale[c]| (thr the nearer threshold) after every rounding: restNorm adds to ‖other taps‖₂ the float32
 * sums' error (γ₃₁ ≤ 2e-6 of ‖w‖₂, partial sum included) and the limits keep 1e-5 below the threshold (the
 * float32 bound's own roundings are ~4e-7 of it). Null when a bound is not a symmetric-sign threshold.
 */
export function prunedLimits(filter: Float32Array, scale: Float32Array, lo: number, hi: number): { taps: Int32Array; weights: Float32Array; restNorm: number; limits: Float32Array } | null {
  const useLo = !Number.isNaN(lo);
  const useHi = !Number.isNaN(hi);
  if ((useLo && !(lo < 0)) || (useHi && !(hi > 0)) || (!useLo && !useHi)) return null;
  const thr = Math.min(useLo ? -lo : Infinity, useHi ? hi : Infinity);
  const order = Array.from(filter.keys()).sort((a, b) => Math.abs(filter[b]) - Math.abs(filter[a]) || a - b);
  if (filter.length < PRUNE_PARTIAL_TAPS || filter.length > PRUNE_MAX_TAPS) return null;
  const taps = Int32Array.from(order.slice(0, PRUNE_PARTIAL_TAPS)).sort();
  let norm2 = 0;
  let rest2 = 0;
  for (let j = 0; j < filter.length; j++) {
    norm2 += filter[j] * filter[j];
    if (!taps.includes(j)) rest2 += filter[j] * filter[j];
  }
  if (!Number.isFinite(norm2)) return null;
  const restNorm = Math.fround((Math.sqrt(rest2) + 4e-6 * Math.sqrt(norm2)) * (1 + 1e-6));
  // fround rounds to nearest: 2e-5 below keeps the limit under thr · (1 − 1e-5) / |scale|.
  const limits = Float32Array.from(scale, (s) => (s === 0 ? Infinity : Math.fround((thr / Math.abs(s)) * (1 - 2e-5))));
  return { taps, weights: Float32Array.from(taps, (j) => filter[j]), restNorm, limits };
}
