/**
 * spikeforge's WebAssembly SIMD kernels (built by scripts/build-wasm.mjs into <out>/wasm/kernels.wasm).
 * Every kernel works on raw pointers into linear memory that the host lays out (src/kernels/wasm.ts);
 * nothing here allocates, so the module runs with the stub runtime.
 */
export { gemm, gemmScratchBytes } from './gemm';
export { sosfilt } from './sosfilt';
export { medianAcrossChannels } from './median';
export { accumulateCovariance, covarianceScratchBytes } from './covariance';
export { correlateChannels } from './correlate';

/** First free byte after the module's static data: the host's arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { shiftedDots } from './shifteddots';
export { gatheredShiftedDots } from './gathereddots';
export { columnMedians } from './columnmedian';
export { quantizeInt16, dequantizeInt16, scaleChannels } from './quantize';
export { thresholdCrossings, scaledCrossings } from './crossings';
export { normalizeInt16, slideNormalizedRows } from './normalize';
export { stepCrossings } from './stepcrossings';
export { clippedMedianAcrossChannels } from './median';
export { jacobiSweeps } from './jacobi';
export { medianAbsoluteDeviation } from './mad';
export { int16MadHistogramBytes, int16MadClear, int16MadCount, int16MadEvaluate } from './int16mad';
export { prunedCrossings } from './prunedcrossings';
export { columnMiddleInt16 } from './columnmedian';
export { sparseMix } from './sparsemix';
export { quantizeInt16RowRef } from './quantize';
export { subtractTemplate } from './subtracttemplate';
export { weightedVariance } from './subtracttemplate';
export { channelMedianAndMad, normalizedRowSelect } from './centredselect';
export { meanCovariance } from './meancovariance';
export { snippetSums } from './snippetsums';
export { stepsProjections } from './stepsprojections';
export { basisProjections } from './basisprojections';
