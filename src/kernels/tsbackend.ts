/** The plain-TypeScript reference backend: correct everywhere, the baseline for faster backends. */
import type { Kernels } from './types.js';
import { correlationCrossingsTS, thresholdCrossingsTS } from './crossings.js';
import { normalizeInt16TS } from './normalize.js';
import { int16CorrelationCrossingsTS } from './int16crossings.js';
import { stepsProjectionsTS } from './stepsprojections.js';
import { sosfiltTS } from './sosfilt.js';
import { sosfiltfiltTS } from './sosfiltfilt.js';
import { gemmTS } from './gemm.js';
import { clippedMedianAcrossChannelsTS, medianAcrossChannelsTS } from './median.js';
import { accumulateCovarianceTS } from './covariance.js';
import { correlateChannelsTS } from './correlate.js';
import { dequantizeInt16TS, quantizeInt16RowRefTS, quantizeInt16TS, scaleChannelsTS } from './quantize.js';
import { shiftedDotsTS } from './shifteddots.js';
import { gatheredShiftedDotsTS } from './gathereddots.js';
import { subtractTemplateTS, weightedVarianceTS } from './subtracttemplate.js';
import { basisProjectionsTS } from './basisprojections.js';
import { columnMediansTS, columnMiddleInt16TS } from './columnmedian.js';
import { stepCrossingsTS } from './stepcrossings.js';
import { jacobiSweepsTS } from './jacobi.js';
import { medianAbsoluteDeviationTS } from './mad.js';
import { int16MadStepsTS } from './int16mad.js';
import { sparseMixTS } from './sparsemix.js';
import { channelMedianAndMadTS, normalizedRowSelectTS } from './centredselect.js';
import { meanCovarianceTS } from './meancovariance.js';
import { snippetSumsTS } from './snippetsums.js';
import { filterReferenceQuantizeWith } from './filterreferencequantize.js';

export const tsKernels: Kernels = {
  name: 'ts',
  sosfilt: sosfiltTS,
  sosfiltfilt: sosfiltfiltTS,
  gemm: gemmTS,
  medianAcrossChannels: medianAcrossChannelsTS,
  clippedMedianAcrossChannels: clippedMedianAcrossChannelsTS,
  accumulateCovariance: accumulateCovarianceTS,
  correlateChannels: correlateChannelsTS,
  shiftedDots: shiftedDotsTS,
  gatheredShiftedDots: gatheredShiftedDotsTS,
  subtractTemplate: subtractTemplateTS,
  weightedVariance: weightedVarianceTS,
  basisProjections: basisProjectionsTS,
  quantizeInt16: quantizeInt16TS,
  quantizeInt16RowRef: quantizeInt16RowRefTS,
  dequantizeInt16: dequantizeInt16TS,
  scaleChannels: scaleChannelsTS,
  columnMedians: columnMediansTS,
  columnMiddleInt16: columnMiddleInt16TS,
  thresholdCrossings: thresholdCrossingsTS,
  correlationCrossings: correlationCrossingsTS,
  normalizeInt16: normalizeInt16TS,
  int16CorrelationCrossings: int16CorrelationCrossingsTS,
  stepsProjections: stepsProjectionsTS,
  stepCrossings: stepCrossingsTS,
  jacobiSweeps: jacobiSweepsTS,
  medianAbsoluteDeviation: medianAbsoluteDeviationTS,
  int16MadSteps: int16MadStepsTS,
  sparseMix: sparseMixTS,
  channelMedianAndMad: channelMedianAndMadTS,
  normalizedRowSelect: normalizedRowSelectTS,
  meanCovariance: meanCovarianceTS,
  snippetSums: snippetSumsTS,
  filterReferenceQuantize: (job, fill) => filterReferenceQuantizeWith(tsKernels, job, fill),
};
