/**
 * Host side of int16CorrelationCrossings on the WASM kernels: the int16 rows go into the module a block at a
 * time and are normalised into a sliding window of (block + taps − 1) rows (assembly/normalize.ts
 * slideNormalizedRows: the last taps − 1 rows move to the front, the block's new rows follow), which the
 * pruned crossing kernel then scans. The normalised chunk is never written out in full: per sample, 2 bytes
 * come in instead of 4 written and 4 read back.
 */
import { CrossingList } from './crossinglist.js';
import type { CorrelationCrossings } from './types.js';
import type { WasmArena } from './wasmarena.js';
import type { KernelExports } from './wasmmodule.js';
import { checkInt16CorrelationCrossings, int16CorrelationCrossingsTS } from './int16crossings.js';
import { PRUNE_ENERGY_SLACK, PRUNE_PARTIAL_TAPS, PRUNE_SCRATCH_ROWS, PRUNE_TILE_ROWS, prunedLimits } from './prunedlimits.js';

/**
 * Output rows per block: a multiple of the pruned kernel's tile, small enough that the window (384 channels:
 * 1.5 KB a row, 256 + taps rows) stays in L2 between its normalisation and its scan.
 */
const SLIDE_BLOCK_ROWS = 2 * PRUNE_TILE_ROWS;

export function int16CorrelationCrossingsWasm(
  ex: KernelExports, arena: WasmArena, q: Int16Array, nc: number, gain: Float64Array, normScale: Float32Array,
  filter: Float32Array, scale: Float32Array, lo: number, hi: number,
): CorrelationCrossings {
  const nOut = checkInt16CorrelationCrossings(q, nc, gain, normScale, filter, scale, lo, hi);
  if (!ex.slideNormalizedRows || !ex.scaledCrossings) return int16CorrelationCrossingsTS(q, nc, gain, normScale, filter, scale, lo, hi);
  const taps = filter.length;
  const found = new CrossingList(nOut > 0 ? 1024 : 0);
  if (nOut === 0) return found.result();
  const rows = Math.min(nOut, SLIDE_BLOCK_ROWS);
  const prune = ex.prunedCrossings ? prunedLimits(filter, scale.subarray(0, nc), lo, hi) : null;
  const nSel = prune ? prune.taps.length : 0;
  // A resident q (a view of the module's memory) is read where it is; its offset is taken before the layout.
  const qAt = q.buffer === arena.f32.buffer ? q.byteOffset : -1;
  const windowRows = rows + taps - 1;
  const [pGain, pNorm, pW, pScale, pOut, pIdx, pVal, pSel, pSelW, pLim, pE, pT, pRing, pQ] = arena.layout(
    nc * 8, nc * 4, taps * 4, nc * 4, prune ? 0 : rows * nc * 4, rows * nc * 4, rows * nc * 4,
    nSel * 4, nSel * 4, prune ? nc * 4 : 0, prune ? PRUNE_SCRATCH_ROWS * nc * 4 : 0, prune ? nc * 4 : 0,
    windowRows * nc * 4, qAt >= 0 ? 0 : windowRows * nc * 2,
  );
  const buf = arena.f32.buffer as ArrayBuffer;
  new Float64Array(buf, pGain, nc).set(gain.subarray(0, nc));
  new Float32Array(buf, pNorm, nc).set(normScale.subarray(0, nc));
  new Float32Array(buf, pW, taps).set(filter);
  new Float32Array(buf, pScale, nc).set(scale.subarray(0, nc));
  if (prune) {
    new Int32Array(buf, pSel, nSel).set(prune.taps);
    new Float32Array(buf, pSelW, nSel).set(prune.weights);
    new Float32Array(buf, pLim, nc).set(prune.limits);
  }
  const qView = qAt >= 0 ? null : new Int16Array(buf, pQ, windowRows * nc);
  // Rows of q already normalised into the window: [t0, next) after each block.
  let next = 0;
  for (let t0 = 0; t0 < nOut; t0 += rows) {
    const r = Math.min(rows, nOut - t0);
    const end = t0 + r + taps - 1;
    const keep = next - t0;
    const fresh = end - next;
    const pFresh = qAt >= 0 ? qAt + next * nc * 2 : pQ;
    if (qView) qView.set(q.subarray(next * nc, end * nc));
    // The previous window held rows [t0 − rows, next): its last `keep` rows start at window row rows.
    ex.slideNormalizedRows(pRing, nc, keep > 0 ? rows : 0, keep, pFresh, fresh, pGain, pNorm);
    next = end;
    let k: number;
    if (prune) {
      k = ex.prunedCrossings!(pRing, r + taps - 1, nc, pW, taps, pScale, lo, hi, pSel, pSelW, nSel, prune.restNorm, pLim, PRUNE_ENERGY_SLACK, pE, pT, pIdx, pVal);
      if (k < 0) throw new Error(`int16CorrelationCrossings: the pruned kernel takes ${PRUNE_PARTIAL_TAPS} partial-sum taps, got ${nSel}: kernels.wasm is out of date, rebuild it`);
    } else {
      ex.correlateChannels(pRing, r + taps - 1, nc, pW, 1, taps, pOut);
      k = ex.scaledCrossings!(pOut, r, nc, pScale, lo, hi, pIdx, pVal);
    }
    found.append(new Int32Array(buf, pIdx, k), new Float32Array(buf, pVal, k), k, t0 * nc);
  }
  return found.result();
}
