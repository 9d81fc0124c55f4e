/** The plain-TypeScript reference backend: correct everywhere, the baseline for faster backends. */
import type { Kernels } from './types.js';
import { sosfiltTS } from './sosfilt.js';
import { gemmTS } from './gemm.js';
import { medianAcrossChannelsTS } from './median.js';
import { accumulateCovarianceTS } from './covariance.js';
import { correlateChannelsTS } from './correlate.js';

export const tsKernels: Kernels = {
  name: 'ts',
  sosfilt: sosfiltTS,
  gemm: gemmTS,
  medianAcrossChannels: medianAcrossChannelsTS,
  accumulateCovariance: accumulateCovarianceTS,
  correlateChannels: correlateChannelsTS,
};
