/**
 * The matched filter's crossings (correlateChannels with one filter, × scale[c], then thresholdCrossings'
 * test) without evaluating the filter where it provably cannot cross. For each output row and group of four
 * channels, a bound on |output| costs a few taps: the k largest taps' partial sum p plus, by Cauchy–Schwarz,
 * ‖other taps‖₂ · ‖input window‖₂ (the window's energy slides down a tile of rows). Groups whose bound is
 * below every channel's limit are skipped; the others are evaluated exactly as correlateChannels' kernel
 * evaluates them (float32, taps in order from 0, zero taps skipped) and scaled as scaleChannels, so the
 * crossings and their values are those of the dense kernels, bit for bit. The host derives the limits
 * with margins for every rounding here (src/kernels/wasm.ts prunedLimits).
 */

/**
 * Output rows per tile: each tile restarts its sliding window energies from a fresh sum of taps − 1 rows, so
 * their rounding error stays within (2 · taps + 3 · tile) · 2⁻²⁴ of the tile's sum of squares (the host's slack).
 */
export const PRUNE_TILE_ROWS: i32 = 128;
/** Taps in the partial sum (the host pads with zero weights): unrolled, held in registers. */
const PARTIAL_TAPS: i32 = 8;

/**
 * Crossings among the numSamples − taps + 1 output rows of the block at pX; writes their ascending flat
 * indices (row · nc + c) and values to pIdx / pVal and returns their count. pSel / pSelW: the k taps of the
 * partial sum (indices, weights); restNorm bounds ‖other taps‖₂ (with rounding margins); pLim: per-channel
 * limits on the bound; slack: relative error allowance on the window energies; pE: scratch of 2 × nc floats
 * (the energies, and a row of zeros), pT: nc floats. Returns −1 (nothing done) unless k is PARTIAL_TAPS.
 */
export function prunedCrossings(
  pX: usize, numSamples: i32, nc: i32, pW: usize, taps: i32, pScale: usize, lo: f64, hi: f64,
  pSel: usize, pSelW: usize, k: i32, restNorm: f32, pLim: usize, slack: f32, pE: usize, pT: usize, pIdx: usize, pVal: usize,
): i32 {
  const numOut = numSamples - taps + 1;
  if (numOut <= 0 || k !== PARTIAL_TAPS) return -1;
  const rowBytes = <usize>nc << 2;
  const groups = nc & ~3;
  // The partial sum's taps as row offsets and broadcast weights, held in locals for the whole block.
  const o0 = <usize>load<i32>(pSel) * rowBytes, o1 = <usize>load<i32>(pSel, 4) * rowBytes;
  const o2 = <usize>load<i32>(pSel, 8) * rowBytes, o3 = <usize>load<i32>(pSel, 12) * rowBytes;
  const o4 = <usize>load<i32>(pSel, 16) * rowBytes, o5 = <usize>load<i32>(pSel, 20) * rowBytes;
  const o6 = <usize>load<i32>(pSel, 24) * rowBytes, o7 = <usize>load<i32>(pSel, 28) * rowBytes;
  const w0 = f32x4.splat(load<f32>(pSelW)), w1 = f32x4.splat(load<f32>(pSelW, 4));
  const w2 = f32x4.splat(load<f32>(pSelW, 8)), w3 = f32x4.splat(load<f32>(pSelW, 12));
  const w4 = f32x4.splat(load<f32>(pSelW, 16)), w5 = f32x4.splat(load<f32>(pSelW, 20));
  const w6 = f32x4.splat(load<f32>(pSelW, 24)), w7 = f32x4.splat(load<f32>(pSelW, 28));
  const rest = f32x4.splat(restNorm);
  const sl = f32x4.splat(slack);
  // A row of zeros after the energies: the row that leaves the window at a tile's first row.
  const pZero = pE + rowBytes;
  memory.fill(pZero, 0, rowBytes);
  const tail = <usize>(taps - 1) * rowBytes;
  let m: i32 = 0;
  for (let t0 = 0; t0 < numOut; t0 += PRUNE_TILE_ROWS) {
    const r = min(PRUNE_TILE_ROWS, numOut - t0);
    leadingEnergies(pX + <usize>t0 * rowBytes, rowBytes, groups, taps - 1, pE, pT);
    for (let i = 0; i < r; i++) {
      const t = t0 + i;
      const pRow = pX + <usize>t * rowBytes;
      // The window of row t gains row t + taps − 1 and loses row t − 1 (nothing at the tile's first row).
      const pNew = pRow + tail;
      const pOld = i > 0 ? pRow - rowBytes : pZero;
      // Two groups per test: one branch for eight channels, as nearly every row is skipped.
      let c = 0;
      for (; c + 8 <= groups; c += 8) {
        const off = <usize>c << 2;
        const below0 = groupBelow(pRow, pNew, pOld, off, pE, pT, pLim, o0, o1, o2, o3, o4, o5, o6, o7, w0, w1, w2, w3, w4, w5, w6, w7, rest, sl);
        const below1 = groupBelow(pRow, pNew, pOld, off + 16, pE, pT, pLim, o0, o1, o2, o3, o4, o5, o6, o7, w0, w1, w2, w3, w4, w5, w6, w7, rest, sl);
        if (i32x4.all_true(v128.and(below0, below1))) continue;
        if (!i32x4.all_true(below0)) m = exactGroup(pRow + off, rowBytes, pW, taps, pScale + off, lo, hi, t * nc + c, pIdx, pVal, m);
        if (!i32x4.all_true(below1)) m = exactGroup(pRow + off + 16, rowBytes, pW, taps, pScale + off + 16, lo, hi, t * nc + c + 4, pIdx, pVal, m);
      }
      for (; c < groups; c += 4) {
        const off = <usize>c << 2;
        const below = groupBelow(pRow, pNew, pOld, off, pE, pT, pLim, o0, o1, o2, o3, o4, o5, o6, o7, w0, w1, w2, w3, w4, w5, w6, w7, rest, sl);
        if (i32x4.all_true(below)) continue;
        m = exactGroup(pRow + off, rowBytes, pW, taps, pScale + off, lo, hi, t * nc + c, pIdx, pVal, m);
      }
      for (let c = groups; c < nc; c++) m = exactChannel(pRow + (<usize>c << 2), rowBytes, pW, taps, pScale + (<usize>c << 2), lo, hi, t * nc + c, pIdx, pVal, m);
    }
  }
  return m;
}

/**
 * One group of four channels at one row: slides the window energies (E gains the entering row's square and
 * loses the leaving one's; T, the running sum of squares, gains it) and returns the lanes whose bound
 * |partial sum| + restNorm · √(E + slack · T) is below their limit (they cannot cross).
 */
// @ts-ignore: decorator
@inline function groupBelow(
  pRow: usize, pNew: usize, pOld: usize, off: usize, pE: usize, pT: usize, pLim: usize,
  o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize, o6: usize, o7: usize,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, rest: v128, sl: v128,
): v128 {
  const a = v128.load(pNew + off);
  const b = v128.load(pOld + off);
  const a2 = f32x4.mul(a, a);
  const energy = f32x4.sub(f32x4.add(v128.load(pE + off), a2), f32x4.mul(b, b));
  v128.store(pE + off, energy);
  const total = f32x4.add(v128.load(pT + off), a2);
  v128.store(pT + off, total);
  const q = pRow + off;
  let p = f32x4.mul(w0, v128.load(q + o0));
  p = f32x4.add(p, f32x4.mul(w1, v128.load(q + o1)));
  p = f32x4.add(p, f32x4.mul(w2, v128.load(q + o2)));
  p = f32x4.add(p, f32x4.mul(w3, v128.load(q + o3)));
  p = f32x4.add(p, f32x4.mul(w4, v128.load(q + o4)));
  p = f32x4.add(p, f32x4.mul(w5, v128.load(q + o5)));
  p = f32x4.add(p, f32x4.mul(w6, v128.load(q + o6)));
  p = f32x4.add(p, f32x4.mul(w7, v128.load(q + o7)));
  const e = f32x4.add(energy, f32x4.mul(sl, total));
  const bound = f32x4.add(f32x4.abs(p), f32x4.mul(rest, f32x4.sqrt(e)));
  return f32x4.lt(bound, v128.load(pLim + off));
}

/**
 * E[c] = T[c] = Σ_{j<rows} x[j, c]², summed in row order: the energies of a tile's first window less its last
 * row (the first step of the tile adds it). The sliding sums' rounding error over a tile is then at most
 * (2 · taps + 3 · tile rows) · 2⁻²⁴ · T (a subtracted square is the value added before, exactly), which the
 * caller's slack · T covers.
 */
function leadingEnergies(px: usize, rowBytes: usize, groups: i32, rows: i32, pE: usize, pT: usize): void {
  for (let c = 0; c < groups; c += 4) v128.store(pE + (<usize>c << 2), f32x4.splat(0));
  for (let j = 0; j < rows; j++) {
    const p = px + <usize>j * rowBytes;
    for (let c = 0; c < groups; c += 4) {
      const off = <usize>c << 2;
      const v = v128.load(p + off);
      v128.store(pE + off, f32x4.add(v128.load(pE + off), f32x4.mul(v, v)));
    }
  }
  for (let c = 0; c < groups; c += 4) v128.store(pT + (<usize>c << 2), v128.load(pE + (<usize>c << 2)));
}

/** Four channels of one output row as correlateChannels' kernel and scaleChannels compute them; their crossings appended. */
function exactGroup(px: usize, rowBytes: usize, pW: usize, taps: i32, pScale: usize, lo: f64, hi: f64, index: i32, pIdx: usize, pVal: usize, m: i32): i32 {
  let a = f32x4.splat(0);
  let p = px;
  for (let j = 0; j < taps; j++, p += rowBytes) {
    const w = load<f32>(pW + (<usize>j << 2));
    if (w == 0) continue;
    a = f32x4.add(a, f32x4.mul(f32x4.splat(w), v128.load(p)));
  }
  const y = f32x4.mul(a, v128.load(pScale));
  m = emit(f32x4.extract_lane(y, 0), lo, hi, index, pIdx, pVal, m);
  m = emit(f32x4.extract_lane(y, 1), lo, hi, index + 1, pIdx, pVal, m);
  m = emit(f32x4.extract_lane(y, 2), lo, hi, index + 2, pIdx, pVal, m);
  return emit(f32x4.extract_lane(y, 3), lo, hi, index + 3, pIdx, pVal, m);
}

/** One channel (those past the last group of four), as correlateChannels' scalar path computes it. */
function exactChannel(px: usize, rowBytes: usize, pW: usize, taps: i32, pScale: usize, lo: f64, hi: f64, index: i32, pIdx: usize, pVal: usize, m: i32): i32 {
  let a: f32 = 0;
  let p = px;
  for (let j = 0; j < taps; j++, p += rowBytes) {
    const w = load<f32>(pW + (<usize>j << 2));
    if (w == 0) continue;
    a += w * load<f32>(p);
  }
  return emit(a * load<f32>(pScale), lo, hi, index, pIdx, pVal, m);
}

// @ts-ignore: decorator
@inline function emit(y: f32, lo: f64, hi: f64, index: i32, pIdx: usize, pVal: usize, m: i32): i32 {
  const v = <f64>y;
  if (v <= lo || v >= hi) {
    store<i32>(pIdx + (<usize>m << 2), index);
    store<f32>(pVal + (<usize>m << 2), y);
    return m + 1;
  }
  return m;
}
