/** The plain-TypeScript reference backend: correct everywhere, the baseline for faster backends. */
import type { Kernels } from './types.js';
import { thresholdCrossingsTS } from './crossings.js';
import { normalizeInt16TS } from './normalize.js';
import { sosfiltTS } from './sosfilt.js';
import { gemmTS } from './gemm.js';
import { clippedMedianAcrossChannelsTS, medianAcrossChannelsTS } from './median.js';
import { accumulateCovarianceTS } from './covariance.js';
import { correlateChannelsTS } from './correlate.js';
import { dequantizeInt16TS, quantizeInt16TS, scaleChannelsTS } from './quantize.js';
import { shiftedDotsTS } from './shifteddots.js';
import { gatheredShiftedDotsTS } from './gathereddots.js';
import { columnMediansTS } from './columnmedian.js';
import { stepCrossingsTS } from './stepcrossings.js';

export const tsKernels: Kernels = {
  name: 'ts',
  sosfilt: sosfiltTS,
  gemm: gemmTS,
  medianAcrossChannels: medianAcrossChannelsTS,
  clippedMedianAcrossChannels: clippedMedianAcrossChannelsTS,
  accumulateCovariance: accumulateCovarianceTS,
  correlateChannels: correlateChannelsTS,
  shiftedDots: shiftedDotsTS,
  gatheredShiftedDots: gatheredShiftedDotsTS,
  quantizeInt16: quantizeInt16TS,
  dequantizeInt16: dequantizeInt16TS,
  scaleChannels: scaleChannelsTS,
  columnMedians: columnMediansTS,
  thresholdCrossings: thresholdCrossingsTS,
  normalizeInt16: normalizeInt16TS,
  stepCrossings: stepCrossingsTS,
};
