/**
 * Host side of the WASM centredselect kernels (assembly/centredselect.ts): values copied into the arena, the
 * kernel run, results copied out; a NaN hands the call to the TS reference (kernels/centredselect.ts).
 */
import { channelMedianAndMadTS, checkChannelMedianAndMad, checkNormalizedRowSelect, normalizedRowSelectTS } from './centredselect.js';
import { MAD_RADIX_BITS } from './mad.js';
import type { WasmArena } from './wasmarena.js';
import type { KernelExports } from './wasmmodule.js';

/** Below this many rows the reference's quickselects cost less than the copy in. */
const CHANNEL_MEDIAN_MIN_ROWS = 256;

/** Rows per kernel call of normalizedRowSelect: a few MB of input at a time. */
const ROW_SELECT_BLOCK_BYTES = 1 << 20;

/** Channels the kernel transposes together (assembly/centredselect.ts CHANNEL_GROUP). */
const CHANNEL_GROUP = 16;

export function channelMedianAndMadWasm(ex: KernelExports, arena: WasmArena, x: Float32Array, nc: number, out: Float64Array): void {
  const rows = checkChannelMedianAndMad(x, nc, out);
  if (rows < CHANNEL_MEDIAN_MIN_ROWS || !ex.channelMedianAndMad) return channelMedianAndMadTS(x, nc, out);
  // About `rows` buckets: clearing 2^16 counters per selection would cost more than a short chunk's values.
  const bits = Math.min(MAD_RADIX_BITS, Math.max(10, Math.floor(Math.log2(rows))));
  const [pCounts, pCols, pBand, pOut, pX] = arena.layout(4 << bits, CHANNEL_GROUP * rows * 8, rows * 8, nc * 16, x.length * 4);
  arena.f32.set(x, pX / 4);
  if (ex.channelMedianAndMad(pX, rows, nc, bits, pCounts, pCols, pBand, pOut) < 0) return channelMedianAndMadTS(x, nc, out);
  out.set(arena.f64.subarray(pOut / 8, pOut / 8 + 2 * nc));
}

export function normalizedRowSelectWasm(
  ex: KernelExports, arena: WasmArena, x: Float32Array, nc: number, live: Int32Array, centre: Float64Array, inv: Float64Array, k: number, out: Float64Array,
): void {
  checkNormalizedRowSelect(x, nc, live, centre, inv, k, out);
  if (!ex.normalizedRowSelect) return normalizedRowSelectTS(x, nc, live, centre, inv, k, out);
  const nt = out.length;
  const m = live.length;
  const rows = Math.max(1, Math.min(nt, Math.floor(ROW_SELECT_BLOCK_BYTES / (nc * 4))));
  const [pLive, pCentre, pInv, pRow, pX, pOut] = arena.layout(m * 4, nc * 8, nc * 8, m * 8, rows * nc * 4, rows * 8);
  arena.i32.set(live, pLive / 4);
  arena.f64.set(centre.subarray(0, nc), pCentre / 8);
  arena.f64.set(inv.subarray(0, nc), pInv / 8);
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    arena.f32.set(x.subarray(t0 * nc, (t0 + r) * nc), pX / 4);
    if (ex.normalizedRowSelect(pX, r, nc, pLive, m, pCentre, pInv, k, pRow, pOut) < 0) return normalizedRowSelectTS(x, nc, live, centre, inv, k, out);
    out.set(arena.f64.subarray(pOut / 8, pOut / 8 + r), t0);
  }
}
