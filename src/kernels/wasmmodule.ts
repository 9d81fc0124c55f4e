/**
 * Instantiates spikeforge's kernels.wasm from bytes or a compiled module, with no Node APIs, so a browser
 * build can fetch + WebAssembly.compile and hand the module over. The global WebAssembly object is typed
 * locally because the project compiles without the DOM library.
 */

export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled WebAssembly.Module (opaque here). */
export type WasmModuleLike = object;

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModuleLike;
  Instance: new (module: WasmModuleLike, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** The raw exports of assembly/index.ts: pointers and sizes are byte offsets / element counts; bools are 0 or 1. */
export interface KernelExports {
  memory: WasmMemoryLike;
  heapBase(): number;
  gemmScratchBytes(m: number, n: number, k: number): number;
  gemm(
    transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    pA: number, lda: number, pB: number, ldb: number, beta: number, pC: number, ldc: number, pScratch: number,
  ): void;
  sosfilt(pSos: number, numSections: number, pX: number, numSamples: number, numChannels: number, pState: number, backward: number): void;
  medianAcrossChannels(pX: number, numSamples: number, numChannels: number, pSubset: number, m: number, pOut: number, pBuf: number): void;
  covarianceScratchBytes(numChannels: number): number;
  accumulateCovariance(pX: number, numSamples: number, numChannels: number, pAcc: number, pScratch: number): void;
  correlateChannels(pX: number, numSamples: number, numChannels: number, pW: number, numFilters: number, taps: number, pOut: number): void;
  /** Absent from modules built before it was added (optional: the host then uses the TS reference). */
  shiftedDots?(pX: number, pW: number, n: number, stride: number, shifts: number, pOut: number): void;
  gatheredShiftedDots?(pX: number, ld: number, rows: number, shifts: number, count: number, pItems: number, pCols: number, pW: number, pScratch: number, pOut: number): void;
  subtractTemplate?(pX: number, ld: number, start: number, rows: number, pCols: number, n: number, pW: number, a: number, pVar: number, k: number): void;
  weightedVariance?(pVar: number, ld: number, start: number, rows: number, pCols: number, n: number, pW: number): number;
  basisProjections?(pX: number, ld: number, row0: number, pCols: number, m: number, pB: number, k: number, len: number, pOut: number, outStride: number): void;
  /** Optional like shiftedDots (older modules lack them). */
  quantizeInt16?(pX: number, numSamples: number, numChannels: number, pInv: number, pOut: number): number;
  quantizeInt16RowRef?(pX: number, numSamples: number, numChannels: number, pRef: number, pInv: number, pOut: number): number;
  dequantizeInt16?(pQ: number, numSamples: number, numChannels: number, pGain: number, pOut: number): void;
  scaleChannels?(pX: number, numSamples: number, numChannels: number, pScale: number, pOut: number): void;
  columnMedians?(pX: number, rows: number, cols: number, pOut: number, pBuf: number): void;
  columnMiddleInt16?(pX: number, rows: number, cols: number, pLo: number, pHi: number, pBuf: number): void;
  thresholdCrossings?(pX: number, n: number, lo: number, hi: number, pOut: number): number;
  prunedCrossings?(
    pX: number, numSamples: number, nc: number, pW: number, taps: number, pScale: number, lo: number, hi: number,
    pSel: number, pSelW: number, k: number, restNorm: number, pLim: number, slack: number, pE: number, pT: number, pIdx: number, pVal: number,
  ): number;
  scaledCrossings?(pX: number, numSamples: number, numChannels: number, pScale: number, lo: number, hi: number, pIdx: number, pVal: number): number;
  normalizeInt16?(pQ: number, numSamples: number, numChannels: number, pGain: number, pScale: number, pOut: number): void;
  slideNormalizedRows?(pRing: number, numChannels: number, fromRow: number, keepRows: number, pQ: number, newRows: number, pGain: number, pScale: number): void;
  stepsProjections?(
    pQ: number, nc: number, pGain: number, pScale: number, count: number, pRows: number, pChanStart: number, pChans: number,
    pByRow: number, k: number, len: number, pOut: number, dim: number,
  ): void;
  stepCrossings?(pQ: number, numSamples: number, numChannels: number, pBelow: number, pAbove: number, pOut: number): number;
  jacobiSweeps?(pM: number, pVt: number, n: number, maxSweeps: number): void;
  medianAbsoluteDeviation?(pA: number, n: number, bits: number, pCounts: number, pBand: number): number;
  int16MadHistogramBytes?(numChannels: number): number;
  int16MadClear?(pHist: number, numChannels: number): void;
  int16MadCount?(pRaw: number, rows: number, numChannels: number, pHist: number): void;
  int16MadEvaluate?(pHist: number, numChannels: number, numSamples: number, pOut: number): void;
  sparseMix?(pX: number, rows: number, numChannels: number, pOffsets: number, nOut: number, pSrc: number, pW: number, pOut: number): void;
  channelMedianAndMad?(pX: number, rows: number, nc: number, bits: number, pCounts: number, pCols: number, pBand: number, pOut: number): number;
  meanCovariance?(pX: number, n: number, d: number, pMean: number, pCov: number, pC: number): void;
  snippetSums?(pX: number, rows: number, width: number, pAll: number, pEven: number, pOdd: number): void;
  normalizedRowSelect?(pX: number, rows: number, nc: number, pLive: number, m: number, pCentre: number, pInv: number, k: number, pRow: number, pOut: number): number;
  clippedMedianAcrossChannels?(
    pX: number, numSamples: number, numChannels: number, pSubset: number, m: number, pOut: number, pBuf: number,
    clip: number, back: number, fwd: number, pMed: number, pUntil: number,
  ): void;
}

const FUNCTIONS = [
  'heapBase', 'gemmScratchBytes', 'gemm', 'sosfilt', 'medianAcrossChannels',
  'covarianceScratchBytes', 'accumulateCovariance', 'correlateChannels',
] as const;

export function webAssemblyApi(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

/**
 * Instantiates the kernels; null when this engine has no WebAssembly or cannot validate the module (no SIMD).
 * `what` names the source in errors (a path or URL).
 */
export function instantiateKernels(source: Uint8Array | WasmModuleLike, what = 'kernels.wasm'): KernelExports | null {
  const wa = webAssemblyApi();
  if (!wa) return null;
  let module: WasmModuleLike;
  if (source instanceof Uint8Array) {
    if (!wa.validate(source)) return null;
    module = new wa.Module(source);
  } else {
    module = source;
  }
  const instance = new wa.Instance(module, {
    env: {
      abort() {
        throw new Error(`${what}: a kernel aborted: this is a bug in spikeforge's WebAssembly kernels`);
      },
    },
  });
  const ex = instance.exports;
  const missing = FUNCTIONS.filter((name) => typeof ex[name] !== 'function');
  if (missing.length > 0 || typeof ex.memory !== 'object') {
    throw new Error(`${what}: module lacks ${missing.join(', ') || 'memory'}: it is out of date, rebuild it with npm run build`);
  }
  return ex as unknown as KernelExports;
}
