/**
 * The WebAssembly SIMD kernel backend: assembly/*.ts compiled to kernels.wasm, driven from here.
 * Inputs are validated as the TS reference does, then streamed through a scratch arena in the module's
 * memory in blocks of a few MB (copy in, compute, copy out), so memory stays bounded for hours of data and
 * the copies hit cache. Methods the module does not implement fall through to the TS reference.
 * No Node APIs here: wasmnode.ts reads the file; a browser build passes fetched bytes or a compiled module.
 */
import { CrossingList } from './crossinglist.js';
import type { CorrelationCrossings, Kernels } from './types.js';
import { tsKernels } from './tsbackend.js';
import { WasmArena } from './wasmarena.js';
import { checkGemmShapes } from './gemm.js';
import { checkShiftedDots } from './shifteddots.js';
import { checkSubtractTemplate, checkWeightedVariance, subtractTemplateTS, weightedVarianceTS } from './subtracttemplate.js';
import { basisProjectionsTS, checkBasisProjections } from './basisprojections.js';
import { checkGatheredShiftedDots } from './gathereddots.js';
import { checkQuantize, checkQuantizeRowRef } from './quantize.js';
import { checkSosfiltfilt, steadyStateAtRow } from './sosfiltfilt.js';
import { checkCorrelationCrossings, checkCrossingBounds } from './crossings.js';
import { checkNormalizeInt16 } from './normalize.js';
import { int16CorrelationCrossingsWasm } from './int16crossingswasm.js';
import { stepsProjectionsWasm } from './stepsprojectionswasm.js';
import { PRUNE_ENERGY_SLACK, PRUNE_PARTIAL_TAPS, PRUNE_SCRATCH_ROWS, prunedLimits } from './prunedlimits.js';
import { checkStepCrossings } from './stepcrossings.js';
import { checkJacobiSweeps } from './jacobi.js';
import { MAD_RADIX_BITS, medianAbsoluteDeviationTS } from './mad.js';
import { checkInt16MadSteps } from './int16mad.js';
import { checkSparseMix } from './sparsemix.js';
import { COLUMN_MEDIAN_BLOCK, checkColumnMedians, checkColumnMiddleInt16 } from './columnmedian.js';
import { instantiateKernels, type KernelExports, type WasmModuleLike } from './wasmmodule.js';
import { channelMedianAndMadWasm, normalizedRowSelectWasm } from './centredselectwasm.js';
import { meanCovarianceWasm } from './meancovariancewasm.js';
import { snippetSumsWasm } from './snippetsumswasm.js';
import { checkFilterReferenceQuantize, filterReferenceQuantizeWith, type FilterReferenceQuantizeJob, type FilterReferenceQuantizeResult } from './filterreferencequantize.js';

/** Input rows per covariance block: a multiple of the kernel's float32 block (1024 rows), as in the reference. */
const COVARIANCE_ROWS = 1024;

/** Block sizes of the host-side streaming; the defaults suit long recordings, tests shrink them. */
export interface WasmKernelOptions {
  /** Bytes of input rows per block for sosfilt, median and covariance (correlate uses 4×). Default 1 MiB. */
  streamBlockBytes?: number;
  /** gemm: op(B) blocks of up to gemmKb × gemmNb (default 1024 × 1024)... */
  gemmKb?: number;
  gemmNb?: number;
  /** ...and rows of C per block so that the A, B and C blocks hold this many floats (default 4 Mi = 16 MiB). */
  gemmBudgetFloats?: number;
}

interface Blocking {
  stream: number;
  kb: number;
  nb: number;
  budget: number;
}

/**
 * A Kernels object backed by the WebAssembly module, or null where WebAssembly SIMD is unavailable.
 * `what` names the source (path or URL) in error messages.
 */
export function createWasmKernels(source: Uint8Array | WasmModuleLike, what = 'kernels.wasm', opts: WasmKernelOptions = {}): Kernels | null {
  const ex = instantiateKernels(source, what);
  if (!ex) return null;
  const arena = new WasmArena(ex.memory, ex.heapBase());
  const b: Blocking = {
    stream: opts.streamBlockBytes ?? 1 << 20,
    kb: opts.gemmKb ?? 1024,
    nb: opts.gemmNb ?? 1024,
    budget: opts.gemmBudgetFloats ?? 4 << 20,
  };
  const resident = residentSlots(arena);
  const fusedSteps = reservedRegion(arena);
  const kernels: Kernels = {
    ...tsKernels,
    name: 'wasm',
    residentFloat32: (slot, length) => resident(slot, length),
    sosfilt: (sos, x, nc, state, backward) => sosfiltWasm(ex, arena, b, sos, x, nc, state, backward),
    sosfiltfilt: (sos, zi, x, nc, gain, zeroPhase, out, fromRow) => sosfiltfiltWasm(ex, arena, b, sos, zi, x, nc, gain, zeroPhase, out, fromRow),
    gemm: (tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) => gemmWasm(ex, arena, b, tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc),
    medianAcrossChannels: (x, nc, subset, out, outStride, outOffset) => medianWasm(ex, arena, b, x, nc, subset, out, outStride, outOffset),
    clippedMedianAcrossChannels: ex.clippedMedianAcrossChannels
      ? (x, nc, subset, out, outStride, outOffset, clip, back, fwd) => clippedMedianWasm(ex, arena, b, x, nc, subset, out, outStride, outOffset, clip, back, fwd)
      : tsKernels.clippedMedianAcrossChannels,
    accumulateCovariance: (x, nc, acc) => covarianceWasm(ex, arena, b, x, nc, acc),
    correlateChannels: (x, nc, filters, taps, out) => correlateWasm(ex, arena, b, x, nc, filters, taps, out),
    // A module built before shiftedDots existed keeps working (TS reference) until it is rebuilt.
    shiftedDots: ex.shiftedDots ? (x, w, n, stride, shifts, out) => shiftedDotsWasm(ex, arena, x, w, n, stride, shifts, out) : tsKernels.shiftedDots,
    gatheredShiftedDots: ex.gatheredShiftedDots
      ? (x, ld, rows, shifts, count, rowStart, colStart, cols, w, out) => gatheredShiftedDotsWasm(ex, arena, x, ld, rows, shifts, count, rowStart, colStart, cols, w, out)
      : tsKernels.gatheredShiftedDots,
    subtractTemplate: ex.subtractTemplate
      ? (x, ld, start, rows, cols, w, a, variance, k) => subtractTemplateWasm(ex, arena, x, ld, start, rows, cols, w, a, variance, k)
      : tsKernels.subtractTemplate,
    weightedVariance: ex.weightedVariance
      ? (variance, ld, start, rows, cols, w) => weightedVarianceWasm(ex, arena, variance, ld, start, rows, cols, w)
      : tsKernels.weightedVariance,
    basisProjections: ex.basisProjections
      ? (x, ld, row0, cols, basis, k, len, out, outStride) => basisProjectionsWasm(ex, arena, x, ld, row0, cols, basis, k, len, out, outStride)
      : tsKernels.basisProjections,
    quantizeInt16: ex.quantizeInt16
      ? (x, nc, inv, out) => (checkQuantize(x, nc, inv, out, 'quantizeInt16'), streamPerChannel(arena, b, x, nc, inv, out, (pIn, r, pF, pOut) => ex.quantizeInt16!(pIn, r, nc, pF, pOut)))
      : tsKernels.quantizeInt16,
    quantizeInt16RowRef: ex.quantizeInt16RowRef
      ? (x, nc, ref, inv, out) => quantizeRowRefWasm(ex, arena, b, x, nc, ref, inv, out)
      : tsKernels.quantizeInt16RowRef,
    dequantizeInt16: ex.dequantizeInt16
      ? (q, nc, gain, out) => void (checkQuantize(q, nc, gain, out, 'dequantizeInt16'), streamPerChannel(arena, b, q, nc, gain, out, (pIn, r, pF, pOut) => ex.dequantizeInt16!(pIn, r, nc, pF, pOut)))
      : tsKernels.dequantizeInt16,
    scaleChannels: ex.scaleChannels
      ? (x, nc, scale, out) => void (checkQuantize(x, nc, scale, out, 'scaleChannels'), streamPerChannel(arena, b, x, nc, scale, out, (pIn, r, pF, pOut) => ex.scaleChannels!(pIn, r, nc, pF, pOut)))
      : tsKernels.scaleChannels,
    thresholdCrossings: ex.thresholdCrossings ? (x, lo, hi) => thresholdCrossingsWasm(ex, arena, b, x, lo, hi) : tsKernels.thresholdCrossings,
    correlationCrossings: ex.scaledCrossings ? (x, nc, filter, scale, lo, hi) => correlationCrossingsWasm(ex, arena, b, x, nc, filter, scale, lo, hi) : tsKernels.correlationCrossings,
    normalizeInt16: ex.normalizeInt16 ? (q, nc, gain, scale, out) => normalizeInt16Wasm(ex, arena, b, q, nc, gain, scale, out) : tsKernels.normalizeInt16,
    int16CorrelationCrossings: (q, nc, gain, norm, filter, scale, lo, hi) => int16CorrelationCrossingsWasm(ex, arena, q, nc, gain, norm, filter, scale, lo, hi),
    stepsProjections: (q, nc, gain, scale, rows, chanStart, chans, byRow, k, len, out, dim) => stepsProjectionsWasm(ex, arena, q, nc, gain, scale, rows, chanStart, chans, byRow, k, len, out, dim),
    columnMedians: ex.columnMedians ? (x, rows, cols, out) => columnMediansWasm(ex, arena, x, rows, cols, out) : tsKernels.columnMedians,
    columnMiddleInt16: ex.columnMiddleInt16 ? (x, rows, cols, lo, hi) => columnMiddleInt16Wasm(ex, arena, x, rows, cols, lo, hi) : tsKernels.columnMiddleInt16,
    stepCrossings: ex.stepCrossings ? (q, nc, below, above) => stepCrossingsWasm(ex, arena, b, q, nc, below, above) : tsKernels.stepCrossings,
    jacobiSweeps: ex.jacobiSweeps ? (m, vt, n, sweeps) => jacobiSweepsWasm(ex, arena, m, vt, n, sweeps) : tsKernels.jacobiSweeps,
    medianAbsoluteDeviation: ex.medianAbsoluteDeviation ? (a) => madWasm(ex, arena, a) : tsKernels.medianAbsoluteDeviation,
    int16MadSteps: ex.int16MadCount ? (raw, ns, nc, out) => int16MadStepsWasm(ex, arena, b, raw, ns, nc, out) : tsKernels.int16MadSteps,
    sparseMix: ex.sparseMix ? (x, nc, offsets, source, weight, out) => sparseMixWasm(ex, arena, b, x, nc, offsets, source, weight, out) : tsKernels.sparseMix,
    channelMedianAndMad: ex.channelMedianAndMad ? (x, nc, out) => channelMedianAndMadWasm(ex, arena, x, nc, out) : tsKernels.channelMedianAndMad,
    normalizedRowSelect: ex.normalizedRowSelect ? (x, nc, live, centre, inv, k, out) => normalizedRowSelectWasm(ex, arena, x, nc, live, centre, inv, k, out) : tsKernels.normalizedRowSelect,
    meanCovariance: ex.meanCovariance ? (x, d, rows, mean, cov) => meanCovarianceWasm(ex, arena, x, d, rows, mean, cov) : tsKernels.meanCovariance,
    snippetSums: ex.snippetSums ? (x, rows, width, all, even, odd) => snippetSumsWasm(ex, arena, x, rows, width, all, even, odd) : tsKernels.snippetSums,
    // Without the exports the steps run as this backend's separate kernels: the same values, with the copies.
    filterReferenceQuantize: (job, fill) => (ex.dequantizeInt16 && ex.clippedMedianAcrossChannels && ex.quantizeInt16RowRef
      ? filterReferenceQuantizeWasm(ex, arena, b, fusedSteps, job, fill)
      : filterReferenceQuantizeWith(kernels, job, fill)),
  };
  return kernels;
}

function checkChannels(kernel: string, length: number, nc: number): number {
  if (!Number.isInteger(nc) || nc <= 0) throw new Error(`${kernel}: numChannels = ${nc} must be a positive integer`);
  if (length % nc !== 0) throw new Error(`${kernel}: ${length} samples is not a multiple of ${nc} channels`);
  return length / nc;
}

function rowsPerBlock(nc: number, budget: number): number {
  return Math.max(1, Math.floor(budget / (nc * 4)));
}

function sosfiltWasm(ex: KernelExports, arena: WasmArena, b: Blocking, sos: Float64Array, x: Float32Array, nc: number, state: Float64Array, backward: boolean): void {
  const nsec = sos.length / 6;
  if (!Number.isInteger(nsec)) throw new Error(`sosfilt: sos has ${sos.length} values, not a multiple of 6`);
  if (state.length !== nsec * 2 * nc) throw new Error(`sosfilt: state has ${state.length} values, expected ${nsec * 2 * nc}`);
  const nt = checkChannels('sosfilt', x.length, nc);
  if (nt === 0 || nsec === 0) return;
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pSos, pState, pX] = arena.layout(sos.length * 8, state.length * 8, rows * nc * 4);
  arena.f64.set(sos, pSos / 8);
  arena.f64.set(state, pState / 8);
  for (let done = 0; done < nt; done += rows) {
    const r = Math.min(rows, nt - done);
    // Backward runs take the blocks from the end; the state carries from block to block either way.
    const t0 = backward ? nt - done - r : done;
    const xi = pX / 4;
    arena.f32.set(x.subarray(t0 * nc, (t0 + r) * nc), xi);
    ex.sosfilt(pSos, nsec, pX, r, nc, pState, backward ? 1 : 0);
    x.set(arena.f32.subarray(xi, xi + r * nc), t0 * nc);
  }
  state.set(arena.f64.subarray(pState / 8, pState / 8 + state.length));
}

/** Copies rows [r0, r0+nr) × columns [c0, c0+cols) of a row-major matrix (stride ld) to dst at dstIndex, packed. */
function copyBlockIn(src: Float32Array, ld: number, r0: number, nr: number, c0: number, cols: number, dst: Float32Array, dstIndex: number): void {
  if (ld === cols && c0 === 0) {
    dst.set(src.subarray(r0 * ld, (r0 + nr) * ld), dstIndex);
    return;
  }
  for (let r = 0; r < nr; r++) {
    const s = (r0 + r) * ld + c0;
    dst.set(src.subarray(s, s + cols), dstIndex + r * cols);
  }
}

function copyBlockOut(src: Float32Array, srcIndex: number, dst: Float32Array, ld: number, r0: number, nr: number, c0: number, cols: number): void {
  if (ld === cols && c0 === 0) {
    dst.set(src.subarray(srcIndex, srcIndex + nr * cols), r0 * ld);
    return;
  }
  for (let r = 0; r < nr; r++) dst.set(src.subarray(srcIndex + r * cols, srcIndex + (r + 1) * cols), (r0 + r) * ld + c0);
}

function gemmWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
): void {
  checkGemmShapes(transA, transB, m, n, k, A, lda, B, ldb, C, ldc);
  if (m === 0 || n === 0) return;
  // Nothing to multiply: the reference's beta scaling is all there is to do.
  if (k === 0 || alpha === 0) return tsKernels.gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  const kb = Math.min(k, b.kb);
  const nb = Math.min(n, b.nb);
  const mbFit = Math.floor((b.budget - kb * nb) / (kb + nb));
  const mb = Math.min(m, Math.max(4, mbFit - (mbFit % 4)));
  const scratch = ex.gemmScratchBytes(mb, nb, kb);
  const [pC, pA, pB, pS] = arena.layout(mb * nb * 4, mb * kb * 4, kb * nb * 4, scratch);
  const heap = arena.f32;
  let loadedB = '';
  for (let jc = 0; jc < n; jc += nb) {
    const nj = Math.min(nb, n - jc);
    for (let ic = 0; ic < m; ic += mb) {
      const mi = Math.min(mb, m - ic);
      if (beta !== 0) copyBlockIn(C, ldc, ic, mi, jc, nj, heap, pC / 4);
      for (let pc = 0; pc < k; pc += kb) {
        const kp = Math.min(kb, k - pc);
        if (transA) copyBlockIn(A, lda, pc, kp, ic, mi, heap, pA / 4);
        else copyBlockIn(A, lda, ic, mi, pc, kp, heap, pA / 4);
        // op(B) blocks do not depend on the row block: reuse the one already in memory.
        const keyB = `${pc},${jc}`;
        if (keyB !== loadedB) {
          if (transB) copyBlockIn(B, ldb, jc, nj, pc, kp, heap, pB / 4);
          else copyBlockIn(B, ldb, pc, kp, jc, nj, heap, pB / 4);
          loadedB = keyB;
        }
        // k blocks after the first accumulate onto C.
        const betaHere = pc === 0 ? beta : 1;
        ex.gemm(transA ? 1 : 0, transB ? 1 : 0, mi, nj, kp, alpha, pA, transA ? mi : kp, pB, transB ? kp : nj, betaHere, pC, nj, pS);
      }
      copyBlockOut(heap, pC / 4, C, ldc, ic, mi, jc, nj);
    }
  }
}

/**
 * Streams blocks of output rows, each copied in with up to back rows before and fwd after: the kernel's
 * window is clamped to the rows it is given, so the context makes every block's rows equal the whole
 * array's.
 */
function clippedMedianWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
  clip: number, back: number, fwd: number,
): void {
  const name = 'clippedMedianAcrossChannels';
  const nt = checkChannels(name, x.length, nc);
  for (let j = 0; j < subset.length; j++) {
    const c = subset[j];
    if (c < 0 || c >= nc) throw new Error(`${name}: subset[${j}] = ${c} is not a channel index in 0..${nc - 1}`);
  }
  if (!(Number.isInteger(back) && back >= 0 && Number.isInteger(fwd) && fwd >= 0)) throw new Error(`${name}: back = ${back} and fwd = ${fwd} must be integers ≥ 0`);
  if (nt === 0) return;
  if (outOffset < 0 || (nt - 1) * outStride + outOffset >= out.length) {
    throw new Error(`${name}: out (${out.length} values) cannot hold ${nt} samples at stride ${outStride}, offset ${outOffset}`);
  }
  const m = subset.length;
  const ctx = Math.min(nt, back) + Math.min(nt, fwd);
  const rows = Math.min(nt, Math.max(1, rowsPerBlock(nc, b.stream) - ctx));
  const span = Math.min(nt, rows + ctx);
  const [pSubset, pBuf, pUntil, pMed, pOut, pX] = arena.layout(m * 4, medianScratchBytes(m), m * 4, span * 4, span * 4, span * nc * 4);
  arena.i32.set(subset, pSubset / 4);
  const heap = arena.f32;
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const t1 = Math.min(nt, t0 + rows);
    const a = Math.max(0, t0 - back);
    const e = Math.min(nt, t1 + fwd);
    heap.set(x.subarray(a * nc, e * nc), pX / 4);
    ex.clippedMedianAcrossChannels!(pX, e - a, nc, pSubset, m, pOut, pBuf, clip, back, fwd, pMed, pUntil);
    const o = pOut / 4 + (t0 - a);
    for (let t = t0; t < t1; t++) out[t * outStride + outOffset] = heap[o + t - t0];
  }
}

/** The median kernels' scratch: two rows of packed values, each with a vector of slack (assembly/median.ts). */
function medianScratchBytes(m: number): number {
  return (2 * m + 8) * 4;
}

function medianWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
): void {
  const nt = checkChannels('medianAcrossChannels', x.length, nc);
  for (let j = 0; j < subset.length; j++) {
    const c = subset[j];
    if (c < 0 || c >= nc) throw new Error(`medianAcrossChannels: subset[${j}] = ${c} is not a channel index in 0..${nc - 1}`);
  }
  if (nt === 0) return;
  if (outOffset < 0 || (nt - 1) * outStride + outOffset >= out.length) {
    throw new Error(`medianAcrossChannels: out (${out.length} values) cannot hold ${nt} samples at stride ${outStride}, offset ${outOffset}`);
  }
  const m = subset.length;
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pSubset, pBuf, pOut, pX] = arena.layout(m * 4, medianScratchBytes(m), rows * 4, rows * nc * 4);
  arena.i32.set(subset, pSubset / 4);
  const heap = arena.f32;
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    heap.set(x.subarray(t0 * nc, (t0 + r) * nc), pX / 4);
    ex.medianAcrossChannels(pX, r, nc, pSubset, m, pOut, pBuf);
    const o = pOut / 4;
    if (outStride === 1) {
      out.set(heap.subarray(o, o + r), t0 + outOffset);
    } else {
      for (let t = 0; t < r; t++) out[(t0 + t) * outStride + outOffset] = heap[o + t];
    }
  }
}

function covarianceWasm(ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, acc: Float64Array): void {
  if (acc.length !== nc * nc) throw new Error(`accumulateCovariance: acc has ${acc.length} values, expected ${nc * nc}`);
  const nt = checkChannels('accumulateCovariance', x.length, nc);
  if (nt === 0) return;
  const rows = Math.min(nt, COVARIANCE_ROWS * Math.max(1, Math.floor(rowsPerBlock(nc, b.stream) / COVARIANCE_ROWS)));
  const [pAcc, pScratch, pX] = arena.layout(nc * nc * 8, ex.covarianceScratchBytes(nc), rows * nc * 4);
  arena.f64.set(acc, pAcc / 8);
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    arena.f32.set(x.subarray(t0 * nc, (t0 + r) * nc), pX / 4);
    ex.accumulateCovariance(pX, r, nc, pAcc, pScratch);
  }
  acc.set(arena.f64.subarray(pAcc / 8, pAcc / 8 + nc * nc));
}

function correlateWasm(ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, filters: Float32Array, taps: number, out: Float32Array): void {
  const nt = checkChannels('correlateChannels', x.length, nc);
  if (!Number.isInteger(taps) || taps <= 0) throw new Error(`correlateChannels: taps = ${taps} must be a positive integer`);
  const nf = filters.length / taps;
  if (!Number.isInteger(nf)) throw new Error(`correlateChannels: ${filters.length} filter values is not a multiple of ${taps} taps`);
  const nOut = nt - taps + 1;
  if (nOut <= 0) {
    if (out.length !== 0) throw new Error('correlateChannels: block shorter than the filter gives no output');
    return;
  }
  if (out.length !== nf * nOut * nc) throw new Error(`correlateChannels: out has ${out.length} values, expected ${nf * nOut * nc}`);
  if (nf === 0) return;
  // Output rows per block: its input (rows + taps − 1) and its nf output planes fit the block budget.
  const fit = Math.floor((rowsPerBlock(nc, 4 * b.stream) - (taps - 1)) / (1 + nf));
  const rows = Math.min(nOut, Math.max(1, fit));
  const [pW, pOut, pX] = arena.layout(filters.length * 4, nf * rows * nc * 4, (rows + taps - 1) * nc * 4);
  const heap = arena.f32;
  heap.set(filters, pW / 4);
  for (let t0 = 0; t0 < nOut; t0 += rows) {
    const r = Math.min(rows, nOut - t0);
    heap.set(x.subarray(t0 * nc, (t0 + r + taps - 1) * nc), pX / 4);
    ex.correlateChannels(pX, r + taps - 1, nc, pW, nf, taps, pOut);
    for (let f = 0; f < nf; f++) {
      const o = pOut / 4 + f * r * nc;
      out.set(heap.subarray(o, o + r * nc), (f * nOut + t0) * nc);
    }
  }
}

/** Small calls (a few thousand values, thousands of times per chunk): one copy in of x and w, no blocking. */
function shiftedDotsWasm(ex: KernelExports, arena: WasmArena, x: Float32Array, w: Float32Array, n: number, stride: number, shifts: number, out: Float64Array): void {
  checkShiftedDots(x, w, n, stride, shifts, out);
  if (shifts === 0) return;
  const len = (shifts - 1) * stride + n;
  const [pOut, pW, pX] = arena.layout(shifts * 8, n * 4, len * 4);
  arena.f32.set(x.subarray(0, len), pX / 4);
  arena.f32.set(w.subarray(0, n), pW / 4);
  ex.shiftedDots!(pX, pW, n, stride, shifts, pOut);
  out.set(arena.f64.subarray(pOut / 8, pOut / 8 + shifts));
}

/**
 * One call per residual peak: the union block (a few thousand values), every item's template and column
 * list go in once; the module gathers each item's channels itself.
 */
function gatheredShiftedDotsWasm(
  ex: KernelExports, arena: WasmArena, x: Float32Array, ld: number, rows: number, shifts: number, count: number,
  rowStart: Int32Array, colStart: Int32Array, cols: Int32Array, w: Float32Array[], out: Float64Array,
): void {
  checkGatheredShiftedDots(x, ld, rows, shifts, count, rowStart, colStart, cols, w, out);
  if (shifts === 0 || count === 0) return;
  let wTotal = 0;
  let widest = 0;
  let lastRow = 0;
  for (let j = 0; j < count; j++) {
    const n = colStart[j + 1] - colStart[j];
    wTotal += rows * n;
    widest = Math.max(widest, n);
    lastRow = Math.max(lastRow, rowStart[j] + rows + shifts - 1);
  }
  const c0 = colStart[0];
  const nCols = colStart[count] - c0;
  // Arguments already in the module's memory (resident buffers) are read where they are.
  const xAt = inModule(arena, x);
  let wIn = true;
  for (let j = 0; j < count && wIn; j++) wIn = inModule(arena, w[j]) >= 0;
  const [pOut, pItems, pCols, pW, pScratch, pXCopy] = arena.layout(count * shifts * 8, count * 16, nCols * 4, wIn ? 0 : wTotal * 4, (rows + shifts - 1) * widest * 8, xAt >= 0 ? 0 : lastRow * ld * 4);
  const f32 = arena.f32;
  const i32 = arena.i32;
  const pX = xAt >= 0 ? xAt : pXCopy;
  if (xAt < 0) f32.set(x.subarray(0, lastRow * ld), pX / 4);
  i32.set(cols.subarray(c0, c0 + nCols), pCols / 4);
  let wAt = 0;
  for (let j = 0; j < count; j++) {
    const n = colStart[j + 1] - colStart[j];
    const it = pItems / 4 + 4 * j;
    i32[it] = rowStart[j];
    i32[it + 1] = colStart[j] - c0;
    i32[it + 2] = n;
    if (wIn) {
      i32[it + 3] = w[j].byteOffset / 4;
    } else {
      i32[it + 3] = wAt;
      f32.set(w[j].subarray(0, rows * n), pW / 4 + wAt);
      wAt += rows * n;
    }
  }
  // Resident templates are addressed from the start of memory.
  ex.gatheredShiftedDots!(pX, ld, rows, shifts, count, pItems, pCols, wIn ? 0 : pW, pScratch, pOut);
  out.set(arena.f64.subarray(pOut / 8, pOut / 8 + count * shifts));
}

/**
 * In place on resident buffers only (template matching's residual, variance and templates); anything else
 * goes to the TS reference, since copying the block in and out would cost more than the subtraction.
 */
function subtractTemplateWasm(
  ex: KernelExports, arena: WasmArena, x: Float32Array, ld: number, start: number, rows: number, cols: Int32Array,
  w: Float32Array, a: number, variance: Float32Array | null, k: number,
): void {
  const xAt = inModule(arena, x);
  const wAt = inModule(arena, w);
  const vAt = variance ? inModule(arena, variance) : 0;
  if (xAt < 0 || wAt < 0 || vAt < 0) return subtractTemplateTS(x, ld, start, rows, cols, w, a, variance, k);
  checkSubtractTemplate(x, ld, start, rows, cols, w, variance);
  const [pCols] = arena.layout(cols.length * 4);
  arena.i32.set(cols, pCols / 4);
  ex.subtractTemplate!(xAt, ld, start, rows, pCols, cols.length, wAt, a, variance ? vAt : 0, k);
}

/** Read in place from resident buffers only (template matching's variance and templates), like subtractTemplate. */
function weightedVarianceWasm(ex: KernelExports, arena: WasmArena, variance: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array): number {
  const vAt = inModule(arena, variance);
  const wAt = inModule(arena, w);
  if (vAt < 0 || wAt < 0) return weightedVarianceTS(variance, ld, start, rows, cols, w);
  checkWeightedVariance(variance, ld, start, rows, cols, w);
  const [pCols] = arena.layout(cols.length * 4);
  arena.i32.set(cols, pCols / 4);
  return ex.weightedVariance!(vAt, ld, start, rows, pCols, cols.length, wAt);
}

/** On a resident block only (template matching's residual): copying the block in would cost more than the projections. */
function basisProjectionsWasm(
  ex: KernelExports, arena: WasmArena, x: Float32Array, ld: number, row0: number, cols: Int32Array, basis: Float32Array,
  k: number, len: number, out: Float32Array, outStride: number,
): void {
  const xAt = inModule(arena, x);
  if (xAt < 0) return basisProjectionsTS(x, ld, row0, cols, basis, k, len, out, outStride);
  checkBasisProjections(x, ld, row0, cols, basis, k, len, out, outStride);
  const m = cols.length;
  if (m === 0 || k === 0) return;
  const size = (k - 1) * outStride + m;
  const [pCols, pB, pOut] = arena.layout(m * 4, k * len * 4, size * 4);
  arena.i32.set(cols, pCols / 4);
  arena.f32.set(basis.subarray(0, k * len), pB / 4);
  ex.basisProjections!(xAt, ld, row0, pCols, m, pB, k, len, pOut, outStride);
  const f32 = arena.f32;
  for (let r = 0; r < k; r++) out.set(f32.subarray(pOut / 4 + r * outStride, pOut / 4 + r * outStride + m), r * outStride);
}

/** The whole block goes in at once: callers hold it in memory already (a unit's snippets: a few MB). */
function columnMediansWasm(ex: KernelExports, arena: WasmArena, x: Float32Array, rows: number, cols: number, out: Float64Array): void {
  checkColumnMedians(x, rows, cols, out);
  if (cols === 0) return;
  if (rows === 0) {
    out.fill(NaN, 0, cols);
    return;
  }
  const [pOut, pBuf, pX] = arena.layout(cols * 8, COLUMN_MEDIAN_BLOCK * rows * 4, rows * cols * 4);
  arena.f32.set(x.subarray(0, rows * cols), pX / 4);
  ex.columnMedians!(pX, rows, cols, pOut, pBuf);
  out.set(arena.f64.subarray(pOut / 8, pOut / 8 + cols));
}

/** Like columnMediansWasm: the unit's whole int16 block goes in at once. */
function columnMiddleInt16Wasm(ex: KernelExports, arena: WasmArena, x: Int16Array, rows: number, cols: number, lo: Int32Array, hi: Int32Array): void {
  checkColumnMiddleInt16(x, rows, cols, lo, hi);
  if (cols === 0) return;
  const [pLo, pHi, pBuf, pX] = arena.layout(cols * 4, cols * 4, COLUMN_MEDIAN_BLOCK * rows * 4, rows * cols * 2);
  new Int16Array(arena.f32.buffer, pX, rows * cols).set(x.subarray(0, rows * cols));
  ex.columnMiddleInt16!(pX, rows, cols, pLo, pHi, pBuf);
  lo.set(arena.i32.subarray(pLo / 4, pLo / 4 + cols));
  hi.set(arena.i32.subarray(pHi / 4, pHi / 4 + cols));
}

/** Streams x through the arena in blocks (4 × the stream block), collecting the crossings' indices. */
function thresholdCrossingsWasm(ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, lo: number, hi: number): Int32Array {
  checkCrossingBounds(lo, hi);
  const block = Math.max(4, Math.floor(b.stream / 4) * 4);
  // A resident x (residentFloat32) is scanned where it is, without the copy in.
  const xAt = inModule(arena, x);
  const [pX, pOut] = arena.layout(xAt >= 0 ? 0 : Math.min(x.length, block) * 4, Math.min(x.length, block) * 4);
  let found = new Int32Array(1024);
  let m = 0;
  for (let s = 0; s < x.length; s += block) {
    const n = Math.min(block, x.length - s);
    if (xAt < 0) arena.f32.set(x.subarray(s, s + n), pX / 4);
    const k = ex.thresholdCrossings!(xAt >= 0 ? xAt + s * 4 : pX, n, lo, hi, pOut);
    if (m + k > found.length) {
      const grown = new Int32Array(Math.max(2 * found.length, m + k));
      grown.set(found.subarray(0, m));
      found = grown;
    }
    const idx = arena.i32.subarray(pOut / 4, pOut / 4 + k);
    for (let j = 0; j < k; j++) found[m + j] = idx[j] + s;
    m += k;
  }
  return found.slice(0, m);
}

/**
 * correlateChannels' kernel then scaledCrossings on each block of output rows while it is in cache: the
 * correlation is neither copied out nor scaled in full, only its crossings leave the module.
 */
function correlationCrossingsWasm(ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, filter: Float32Array, scale: Float32Array, lo: number, hi: number): CorrelationCrossings {
  const nOut = checkCorrelationCrossings(x, nc, filter, scale, lo, hi);
  const taps = filter.length;
  const found = new CrossingList(nOut > 0 ? 1024 : 0);
  if (nOut === 0) return found.result();
  // Output rows per block: the block's input rows and its output, index and value rows fit the block budget.
  const rows = Math.min(nOut, Math.max(1, Math.floor((rowsPerBlock(nc, 4 * b.stream) - (taps - 1)) / 4)));
  const prune = ex.prunedCrossings ? prunedLimits(filter, scale.subarray(0, nc), lo, hi) : null;
  const nSel = prune ? prune.taps.length : 0;
  // A resident x (residentFloat32) is read where it is, without the copy in (its offset is taken before the layout).
  const xAt = inModule(arena, x);
  const [pW, pScale, pOut, pIdx, pVal, pSel, pSelW, pLim, pE, pT, pX] = arena.layout(
    taps * 4, nc * 4, prune ? 0 : rows * nc * 4, rows * nc * 4, rows * nc * 4,
    nSel * 4, nSel * 4, prune ? nc * 4 : 0, prune ? PRUNE_SCRATCH_ROWS * nc * 4 : 0, prune ? nc * 4 : 0, xAt >= 0 ? 0 : (rows + taps - 1) * nc * 4,
  );
  const heap = arena.f32;
  heap.set(filter, pW / 4);
  heap.set(scale.subarray(0, nc), pScale / 4);
  if (prune) {
    arena.i32.set(prune.taps, pSel / 4);
    arena.f32.set(prune.weights, pSelW / 4);
    arena.f32.set(prune.limits, pLim / 4);
  }
  for (let t0 = 0; t0 < nOut; t0 += rows) {
    const r = Math.min(rows, nOut - t0);
    const pBlock = xAt >= 0 ? xAt + t0 * nc * 4 : pX;
    if (xAt < 0) heap.set(x.subarray(t0 * nc, (t0 + r + taps - 1) * nc), pX / 4);
    let k: number;
    if (prune) {
      k = ex.prunedCrossings!(pBlock, r + taps - 1, nc, pW, taps, pScale, lo, hi, pSel, pSelW, prune.taps.length, prune.restNorm, pLim, PRUNE_ENERGY_SLACK, pE, pT, pIdx, pVal);
      if (k < 0) throw new Error(`correlationCrossings: the pruned kernel takes ${PRUNE_PARTIAL_TAPS} partial-sum taps, got ${prune.taps.length}: kernels.wasm is out of date, rebuild it`);
    } else {
      ex.correlateChannels(pBlock, r + taps - 1, nc, pW, 1, taps, pOut);
      k = ex.scaledCrossings!(pOut, r, nc, pScale, lo, hi, pIdx, pVal);
    }
    found.append(arena.i32.subarray(pIdx / 4, pIdx / 4 + k), heap.subarray(pVal / 4, pVal / 4 + k), k, t0 * nc);
  }
  return found.result();
}

/** Rows streamed through the arena in blocks, both factor arrays copied in once. */
function normalizeInt16Wasm(ex: KernelExports, arena: WasmArena, b: Blocking, q: Int16Array, nc: number, gain: Float64Array, scale: Float32Array, out: Float32Array): void {
  checkNormalizeInt16(q, nc, gain, scale, out);
  const nt = q.length / nc;
  if (nt === 0) return;
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pGain, pScale, pIn, pOut] = arena.layout(nc * 8, nc * 4, rows * nc * 2, rows * nc * 4);
  const buf = arena.f32.buffer as ArrayBuffer;
  new Float64Array(buf, pGain, nc).set(gain.subarray(0, nc));
  new Float32Array(buf, pScale, nc).set(scale.subarray(0, nc));
  const inView = new Int16Array(buf, pIn, rows * nc);
  const outView = new Float32Array(buf, pOut, rows * nc);
  // A resident `out` is written in place.
  const outAt = inModule(arena, out);
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    inView.set(q.subarray(t0 * nc, (t0 + r) * nc));
    ex.normalizeInt16!(pIn, r, nc, pGain, pScale, outAt >= 0 ? outAt + t0 * nc * 4 : pOut);
    if (outAt < 0) out.set(outView.subarray(0, r * nc), t0 * nc);
  }
}

/** Streams whole rows of steps through the arena in blocks, the limits copied in once; collects the crossings' indices. */
function stepCrossingsWasm(ex: KernelExports, arena: WasmArena, b: Blocking, q: Int16Array, nc: number, below: Int32Array, above: Int32Array): Int32Array {
  checkStepCrossings(q, nc, below, above);
  const nt = q.length / nc;
  if (nt === 0) return new Int32Array(0);
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pBelow, pAbove, pIn, pOut] = arena.layout(nc * 4, nc * 4, rows * nc * 2, rows * nc * 4);
  const buf = arena.f32.buffer as ArrayBuffer;
  new Int32Array(buf, pBelow, nc).set(below.subarray(0, nc));
  new Int32Array(buf, pAbove, nc).set(above.subarray(0, nc));
  const inView = new Int16Array(buf, pIn, rows * nc);
  // Steps already in the module's memory (the trace cache's fused chunk) are read in place.
  const qAt = q.buffer === buf ? q.byteOffset : -1;
  let found = new Int32Array(1024);
  let m = 0;
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    if (qAt < 0) inView.set(q.subarray(t0 * nc, (t0 + r) * nc));
    const k = ex.stepCrossings!(qAt < 0 ? pIn : qAt + t0 * nc * 2, r, nc, pBelow, pAbove, pOut);
    if (m + k > found.length) {
      const grown = new Int32Array(Math.max(2 * found.length, m + k));
      grown.set(found.subarray(0, m));
      found = grown;
    }
    const idx = new Int32Array(buf, pOut, k);
    const s = t0 * nc;
    for (let j = 0; j < k; j++) found[m + j] = idx[j] + s;
    m += k;
  }
  return found.slice(0, m);
}

/** streamPerChannel for quantizeInt16RowRef: each block's row references travel with its rows. */
function quantizeRowRefWasm(ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, ref: Float32Array, inv: Float64Array, out: Int16Array): number {
  checkQuantizeRowRef(x, nc, ref, inv, out);
  const nt = x.length / nc;
  if (nt === 0) return 0;
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pF, pRef, pIn, pOut] = arena.layout(nc * 8, rows * 4, rows * nc * 4, rows * nc * 2);
  const buf = arena.f32.buffer as ArrayBuffer;
  new Float64Array(buf, pF, nc).set(inv.subarray(0, nc));
  const refView = new Float32Array(buf, pRef, rows);
  const inView = new Float32Array(buf, pIn, rows * nc);
  const outView = new Int16Array(buf, pOut, rows * nc);
  let total = 0;
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    refView.set(ref.subarray(t0, t0 + r));
    inView.set(x.subarray(t0 * nc, (t0 + r) * nc));
    total += ex.quantizeInt16RowRef!(pIn, r, nc, pRef, pF, pOut);
    out.set(outView.subarray(0, r * nc), t0 * nc);
  }
  return total;
}

type StreamArray = Int16Array | Float32Array | Float64Array;

/** A view of `length` elements of a's type at byte `ptr` of buf. */
function viewLike(a: StreamArray, buf: ArrayBuffer, ptr: number, length: number): StreamArray {
  if (a instanceof Int16Array) return new Int16Array(buf, ptr, length);
  if (a instanceof Float32Array) return new Float32Array(buf, ptr, length);
  return new Float64Array(buf, ptr, length);
}

/**
 * Runs a per-channel kernel (in → out, one factor per channel) over a time-major block, streaming rows
 * through the arena in blocks; returns the sum of what the kernel returned (clip counts).
 */
function streamPerChannel(
  arena: WasmArena, b: Blocking, x: Int16Array | Float32Array, nc: number, factors: Float32Array | Float64Array, out: Int16Array | Float32Array,
  call: (pIn: number, rows: number, pFactors: number, pOut: number) => number | void,
): number {
  const nt = x.length / nc;
  if (nt === 0) return 0;
  const rows = Math.min(nt, rowsPerBlock(nc, b.stream));
  const [pF, pIn, pOut] = arena.layout(nc * factors.BYTES_PER_ELEMENT, rows * nc * x.BYTES_PER_ELEMENT, rows * nc * out.BYTES_PER_ELEMENT);
  const buf = arena.f32.buffer as ArrayBuffer;
  viewLike(factors, buf, pF, nc).set(factors.subarray(0, nc));
  const inView = viewLike(x, buf, pIn, rows * nc);
  const outView = viewLike(out, buf, pOut, rows * nc);
  let total = 0;
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    inView.set(x.subarray(t0 * nc, (t0 + r) * nc));
    total += call(pIn, r, pF, pOut) ?? 0;
    out.set(outView.subarray(0, r * nc), t0 * nc);
  }
  return total;
}

/** Both matrices in, the sweeps, both out: a 48 × 48 pair is 37 KB, copied in microseconds. */
function jacobiSweepsWasm(ex: KernelExports, arena: WasmArena, m: Float64Array, vt: Float64Array, n: number, maxSweeps: number): void {
  checkJacobiSweeps(m, vt, n, maxSweeps);
  const nn = n * n;
  if (nn === 0 || maxSweeps === 0) return;
  const [pM, pVt] = arena.layout(nn * 8, nn * 8);
  arena.f64.set(m.subarray(0, nn), pM / 8);
  arena.f64.set(vt.subarray(0, nn), pVt / 8);
  ex.jacobiSweeps!(pM, pVt, n, maxSweeps);
  m.set(arena.f64.subarray(pM / 8, pM / 8 + nn));
  vt.set(arena.f64.subarray(pVt / 8, pVt / 8 + nn));
}

/** Blocks up to this many stream blocks (float32 copy plus int16 input; 512 MiB by default) are filtered whole in the module's memory. */
const WHOLE_FILTER_BLOCKS = 512;

/**
 * The block goes into the module's memory once (int16 steps converted there), both passes run on it in
 * place, and only the wanted rows come back: two copies of the block instead of six, into memory the arena
 * reuses from call to call. Larger blocks run the streamed kernels one after another (the same results).
 */
function sosfiltfiltWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, sos: Float64Array, zi: Float64Array, x: Float32Array | Int16Array, nc: number,
  gain: Float64Array | null, zeroPhase: boolean, out: Float32Array, fromRow: number,
): void {
  const nt = checkSosfiltfilt(sos, zi, x, nc, gain, out, fromRow);
  const nsec = sos.length / 6;
  const n = x.length;
  const int16 = x instanceof Int16Array;
  if (nt === 0 || nsec === 0 || n * (int16 ? 6 : 4) > WHOLE_FILTER_BLOCKS * b.stream || (int16 && !ex.dequantizeInt16)) {
    let w: Float32Array;
    if (x instanceof Int16Array) {
      w = new Float32Array(n);
      if (n > 0) (ex.dequantizeInt16 ? streamPerChannel(arena, b, x, nc, gain!, w, (pIn, r, pF, pOut) => ex.dequantizeInt16!(pIn, r, nc, pF, pOut)) : tsKernels.dequantizeInt16(x, nc, gain!, w));
    } else {
      w = x.slice();
    }
    if (nt > 0) {
      sosfiltWasm(ex, arena, b, sos, w, nc, steadyStateAtRow(zi, w, nc, 0), false);
      if (zeroPhase) sosfiltWasm(ex, arena, b, sos, w, nc, steadyStateAtRow(zi, w, nc, nt - 1), true);
    }
    out.set(w.subarray(fromRow * nc, fromRow * nc + out.length));
    return;
  }
  const [pSos, pState, pGain, pX, pQ] = arena.layout(sos.length * 8, zi.length * nc * 8, int16 ? nc * 8 : 0, n * 4, int16 ? n * 2 : 0);
  const buf = arena.f32.buffer as ArrayBuffer;
  new Float64Array(buf, pSos, sos.length).set(sos);
  const w = new Float32Array(buf, pX, n);
  if (x instanceof Int16Array) {
    new Float64Array(buf, pGain, nc).set(gain!.subarray(0, nc));
    new Int16Array(buf, pQ, n).set(x);
    ex.dequantizeInt16!(pQ, nt, nc, pGain, pX);
  } else {
    w.set(x);
  }
  const state = new Float64Array(buf, pState, zi.length * nc);
  state.set(steadyStateAtRow(zi, w, nc, 0));
  ex.sosfilt(pSos, nsec, pX, nt, nc, pState, 0);
  if (zeroPhase) {
    state.set(steadyStateAtRow(zi, w, nc, nt - 1));
    ex.sosfilt(pSos, nsec, pX, nt, nc, pState, 1);
  }
  out.set(w.subarray(fromRow * nc, fromRow * nc + out.length));
}

/** Scratch kept free above resident buffers, so that ordinary calls do not grow memory and detach them. */
const RESIDENT_HEADROOM_BYTES = 16 << 20;

/**
 * residentFloat32: one reserved region per slot, reused while large enough; a larger request reserves a new
 * region (the old one stays reserved: slots are few and windows keep their size through a sort).
 */
function residentSlots(arena: WasmArena): (slot: number, length: number) => Float32Array {
  const slots = new Map<number, { at: number; capacity: number }>();
  return (slot, length) => {
    if (!Number.isInteger(length) || length < 0) throw new Error(`residentFloat32: length ${length} must be a non-negative integer`);
    let s = slots.get(slot);
    if (!s || s.capacity < length) {
      s = { at: arena.reserve(length * 4, RESIDENT_HEADROOM_BYTES), capacity: length };
      slots.set(slot, s);
    }
    return new Float32Array(arena.f32.buffer, s.at, length);
  };
}

/** Byte offset of `a` in the module's memory when it is a view of it (a resident buffer), else -1. */
function inModule(arena: WasmArena, a: Float32Array): number {
  return a.buffer === arena.f32.buffer ? a.byteOffset : -1;
}

/** Below this many values the TS reference (quickselect) costs less than the copy in. */
const MAD_WASM_MIN_LENGTH = 256;

/**
 * The values in, the MAD out; a is left as it was (the kernel's scratch is its copy), which the contract
 * allows. A NaN anywhere hands the whole computation to the reference and its sort semantics.
 */
function madWasm(ex: KernelExports, arena: WasmArena, a: Float64Array): number {
  const n = a.length;
  if (n < MAD_WASM_MIN_LENGTH) return medianAbsoluteDeviationTS(a);
  // About n buckets: clearing 2^16 counters twice would cost more than the values on a short chunk.
  const bits = Math.min(MAD_RADIX_BITS, Math.max(10, Math.floor(Math.log2(n))));
  const [pCounts, pA, pBand] = arena.layout(4 << bits, n * 8, n * 8);
  arena.f64.set(a, pA / 8);
  const mad = ex.medianAbsoluteDeviation!(pA, n, bits, pCounts, pBand);
  return mad >= 0 ? mad : medianAbsoluteDeviationTS(a);
}

/** The histograms stay in the module while the rows stream through in blocks; only the MADs come out. */
function int16MadStepsWasm(ex: KernelExports, arena: WasmArena, b: Blocking, raw: Int16Array, ns: number, nc: number, out: Float64Array): void {
  checkInt16MadSteps(raw, ns, nc, out);
  const rows = Math.max(1, Math.min(ns, Math.floor(b.stream / (nc * 2))));
  const [pHist, pOut, pRaw] = arena.layout(ex.int16MadHistogramBytes!(nc), nc * 8, rows * nc * 2);
  ex.int16MadClear!(pHist, nc);
  const block = new Int16Array(arena.f32.buffer, pRaw, rows * nc);
  for (let t0 = 0; t0 < ns; t0 += rows) {
    const r = Math.min(rows, ns - t0);
    block.set(raw.subarray(t0 * nc, (t0 + r) * nc));
    ex.int16MadCount!(pRaw, r, nc, pHist);
  }
  ex.int16MadEvaluate!(pHist, nc, ns, pOut);
  out.set(arena.f64.subarray(pOut / 8, pOut / 8 + nc));
}

/** The mixing goes in once; x streams through in row blocks of about the stream budget, out comes back per block. */
function sparseMixWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, x: Float32Array, nc: number, offsets: Int32Array, source: Int32Array, weight: Float32Array, out: Float32Array,
): void {
  const nt = checkSparseMix(x, nc, offsets, source, weight, out);
  const nOut = offsets.length - 1;
  if (nt === 0 || nOut === 0) return;
  const terms = offsets[nOut];
  const rows = Math.min(nt, rowsPerBlock(Math.max(nc, nOut), b.stream));
  const [pOff, pSrc, pW, pX, pOut] = arena.layout((nOut + 1) * 4, terms * 4, terms * 4, rows * nc * 4, rows * nOut * 4);
  const buf = arena.f32.buffer as ArrayBuffer;
  new Int32Array(buf, pOff, nOut + 1).set(offsets.subarray(0, nOut + 1));
  new Int32Array(buf, pSrc, terms).set(source.subarray(0, terms));
  new Float32Array(buf, pW, terms).set(weight.subarray(0, terms));
  const inView = new Float32Array(buf, pX, rows * nc);
  const outView = new Float32Array(buf, pOut, rows * nOut);
  for (let t0 = 0; t0 < nt; t0 += rows) {
    const r = Math.min(rows, nt - t0);
    inView.set(x.subarray(t0 * nc, (t0 + r) * nc));
    ex.sparseMix!(pX, r, nc, pOff, nOut, pSrc, pW, pOut);
    out.set(outView.subarray(0, r * nOut), t0 * nOut);
  }
}

/**
 * One region kept out of the arena's layouts (WasmArena.reserve), reused while large enough: the fused chunk's
 * steps stay valid after the call, while later calls (the motion peaks read them) lay their scratch out above.
 */
function reservedRegion(arena: WasmArena): (bytes: number, headroomBytes: number) => number {
  let at = -1;
  let capacity = 0;
  return (bytes, headroomBytes) => {
    if (at < 0 || capacity < bytes) {
      at = arena.reserve(bytes, headroomBytes);
      capacity = bytes;
    }
    return at;
  };
}

/**
 * The chunk stays in the module's memory from the file read to the encoded steps: fill writes the raw rows
 * there and the kernels run on it in place (the kernels of sosfiltfiltWasm, clippedMedianWasm and
 * quantizeRowRefWasm with the same arguments, so the same values); the steps are left in a reserved region,
 * from which the caller writes them. No copy of the block crosses the module boundary, and each step works on
 * blocks of rows that the previous step has just written (still in cache) instead of sweeping the whole chunk:
 * forward in time, int16 → µV then the forward filter; backward in time, the backward filter, then the
 * median and the encoding of the rows that are final. sosfilt carries its state from block to block, and each
 * median block gets the context rows clippedMedianWasm gives it, so block boundaries change no value.
 */
function filterReferenceQuantizeWasm(
  ex: KernelExports, arena: WasmArena, b: Blocking, reserve: (bytes: number, headroomBytes: number) => number,
  job: FilterReferenceQuantizeJob, fill: (raw: Int16Array) => boolean,
): FilterReferenceQuantizeResult | null {
  const n = checkFilterReferenceQuantize(job);
  const { sos, zi, numChannels: nc, rawRows, windowFrom, windowRows, outFrom, outRows, subset, clipUv, back, fwd } = job;
  const nsec = sos.length / 6;
  const m = subset.length;
  const clipped = clipUv > 0;
  const rows = Math.min(Math.max(1, rawRows), rowsPerBlock(nc, b.stream));
  const span = Math.min(windowRows, rows + back + fwd);
  const sizes = [sos.length * 8, zi.length * nc * 8, nc * 8, nc * 8, m * 4, medianScratchBytes(m), m * 4, span * 4, span * 4, windowRows * 4, n * 2, n * 4];
  // Reserved first (the layout starts above it), with room for this call's scratch so that it does not grow memory.
  const pSteps = reserve(outRows * nc * 2, sizes.reduce((sum, size) => sum + size + 16, 0));
  const [pSos, pState, pGain, pInv, pSubset, pBuf, pUntil, pMed, pBlockRef, pRef, pQ, pX] = arena.layout(...sizes);
  const buf = arena.f32.buffer as ArrayBuffer;
  if (!fill(new Int16Array(buf, pQ, n))) return null;
  if (arena.f32.buffer !== buf) throw new Error('filterReferenceQuantize: fill called the kernels, which moved their memory: fill may only write the raw rows');
  const result = { steps: new Int16Array(buf, pSteps, outRows * nc), clipped: 0 };
  if (windowRows === 0) return result;
  new Float64Array(buf, pSos, sos.length).set(sos);
  new Float64Array(buf, pGain, nc).set(job.gain.subarray(0, nc));
  new Float64Array(buf, pInv, nc).set(job.invGain.subarray(0, nc));
  new Int32Array(buf, pSubset, m).set(subset);
  const w = new Float32Array(buf, pX, n);
  const state = new Float64Array(buf, pState, zi.length * nc);
  const rowBytes = nc * 4;
  for (let lo = 0; lo < rawRows; lo += rows) {
    const r = Math.min(rows, rawRows - lo);
    ex.dequantizeInt16!(pQ + lo * nc * 2, r, nc, pGain, pX + lo * rowBytes);
    if (nsec === 0) continue;
    if (lo === 0) state.set(steadyStateAtRow(zi, w, nc, 0));
    ex.sosfilt(pSos, nsec, pX + lo * rowBytes, r, nc, pState, 0);
  }
  if (nsec > 0 && job.zeroPhase) state.set(steadyStateAtRow(zi, w, nc, rawRows - 1));
  const heap = new Float32Array(buf);
  const pWindow = pX + windowFrom * rowBytes;
  // Window rows [medianEnd, windowRows) have their reference; the backward filter has finished raw rows ≥ hi.
  let medianEnd = windowRows;
  for (let hi = rawRows; medianEnd > 0;) {
    // The left margin's rows are never read: the backward pass stops at the window.
    const lo = Math.max(windowFrom, hi - rows);
    if (nsec > 0 && job.zeroPhase && hi > lo) ex.sosfilt(pSos, nsec, pX + lo * rowBytes, hi - lo, nc, pState, 1);
    hi = lo;
    const finalFrom = lo - windowFrom;
    // A row's clipped median reads `back` rows before it: those must be final too.
    const t0 = finalFrom === 0 ? 0 : Math.min(medianEnd, finalFrom + (clipped ? back : 0));
    if (t0 === medianEnd) continue;
    const a = clipped ? Math.max(0, t0 - back) : t0;
    const e = clipped ? Math.min(windowRows, medianEnd + fwd) : medianEnd;
    if (clipped) ex.clippedMedianAcrossChannels!(pWindow + a * rowBytes, e - a, nc, pSubset, m, pBlockRef, pBuf, clipUv, back, fwd, pMed, pUntil);
    else ex.medianAcrossChannels(pWindow + a * rowBytes, e - a, nc, pSubset, m, pBlockRef, pBuf);
    heap.copyWithin(pRef / 4 + t0, pBlockRef / 4 + (t0 - a), pBlockRef / 4 + (medianEnd - a));
    const q0 = Math.max(t0, outFrom);
    const q1 = Math.min(medianEnd, outFrom + outRows);
    if (q1 > q0) result.clipped += ex.quantizeInt16RowRef!(pWindow + q0 * rowBytes, q1 - q0, nc, pRef + q0 * 4, pInv, pSteps + (q0 - outFrom) * nc * 2);
    medianEnd = t0;
  }
  return result;
}
