/**
 * Motion of a recording in one call: detect and localize peaks, then estimate the displacement.
 * The recording should be filtered (high-pass); its probe gives the geometry and the shanks.
 */
import type { Recording } from '../core/recording.js';
import type { Reporter } from '../exec/reporter.js';
import { estimateMotion, motionLayout, MotionEstimateOptions } from './estimate.js';
import type { Motion } from './motion.js';
import { detectMotionPeaks, MotionPeakOptions, MotionPeaks } from './peaks.js';

export interface ComputeMotionOptions {
  peaks?: Omit<MotionPeakOptions, 'reporter'>;
  estimate?: Omit<MotionEstimateOptions, 'reporter'>;
  reporter?: Reporter;
}

export function computeMotion(recording: Recording, opts: ComputeMotionOptions = {}): { motion: Motion; peaks: MotionPeaks } {
  checkProbe(recording);
  const peaks = detectMotionPeaks(recording, { ...opts.peaks, reporter: opts.reporter });
  return motionFromPeaks(recording, peaks, opts);
}

/** The second half of computeMotion, for peaks detected elsewhere (e.g. during the trace cache's pass). */
export function motionFromPeaks(recording: Recording, peaks: MotionPeaks, opts: Pick<ComputeMotionOptions, 'estimate' | 'reporter'> = {}): { motion: Motion; peaks: MotionPeaks } {
  checkProbe(recording);
  const motion = estimateMotion(peaks, motionLayout(recording), { ...opts.estimate, reporter: opts.reporter });
  return { motion, peaks };
}

function checkProbe(recording: Recording): void {
  if (!recording.hasProbe()) throw new Error('motion estimation needs channel positions: attach a probe with --probe (probeinterface .json, .prb or Kilosort chanMap .mat)');
}
