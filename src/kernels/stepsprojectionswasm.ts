/**
 * Host side of stepsProjections on the WASM kernels: resident steps (a view of the module's memory, as
 * detection keeps its window) are read in place; other steps are copied in whole.
 */
import type { WasmArena } from './wasmarena.js';
import type { KernelExports } from './wasmmodule.js';
import { checkStepsProjections, stepsProjectionsTS } from './stepsprojections.js';

export function stepsProjectionsWasm(
  ex: KernelExports, arena: WasmArena, q: Int16Array, nc: number, gain: Float64Array, scale: Float32Array, rows: Int32Array,
  chanStart: Int32Array, chans: Int32Array, byRow: Float32Array, k: number, len: number, out: Float32Array, dim: number,
): void {
  if (!ex.stepsProjections) return stepsProjectionsTS(q, nc, gain, scale, rows, chanStart, chans, byRow, k, len, out, dim);
  checkStepsProjections(q, nc, gain, scale, rows, chanStart, chans, byRow, k, len, out, dim);
  const count = rows.length;
  if (count === 0) return;
  const qAt = q.buffer === arena.f32.buffer ? q.byteOffset : -1;
  const [pGain, pScale, pRows, pStart, pChans, pByRow, pOut, pQ] = arena.layout(
    nc * 8, nc * 4, count * 4, (count + 1) * 4, chans.length * 4, k * len * 4, count * dim * 4, qAt >= 0 ? 0 : q.length * 2,
  );
  const buf = arena.f32.buffer as ArrayBuffer;
  new Float64Array(buf, pGain, nc).set(gain.subarray(0, nc));
  new Float32Array(buf, pScale, nc).set(scale.subarray(0, nc));
  new Int32Array(buf, pRows, count).set(rows);
  new Int32Array(buf, pStart, count + 1).set(chanStart);
  new Int32Array(buf, pChans, chans.length).set(chans);
  new Float32Array(buf, pByRow, k * len).set(byRow.subarray(0, k * len));
  if (qAt < 0) new Int16Array(buf, pQ, q.length).set(q);
  const outView = new Float32Array(buf, pOut, count * dim);
  // Channels a snippet does not have keep out's zeros, as the reference leaves them.
  outView.fill(0);
  ex.stepsProjections(qAt >= 0 ? qAt : pQ, nc, pGain, pScale, count, pRows, pStart, pChans, pByRow, k, len, pOut, dim);
  out.set(outView);
}
