/**
 * Motion of a recording in one call: detect and localize peaks, then estimate the displacement.
 * The recording should be filtered (high-pass); its probe gives the geometry and the shanks.
 */
import type { Recording } from '../core/recording.js';
import type { Reporter } from '../exec/reporter.js';
import type { DriftMapPeaks } from '../viz/driftmap.js';
import { estimateMotion, motionLayout, MotionEstimateOptions, MotionRasters } from './estimate.js';
import type { Motion } from './motion.js';
import { detectMotionPeaks, MotionPeakConsumer, MotionPeakOptions, MotionPeaks, streamMotionPeaks } from './peaks.js';
import { DriftMapSample } from './driftsample.js';

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

/** The second half of computeMotion, for peaks detected elsewhere. */
export function motionFromPeaks(recording: Recording, peaks: MotionPeaks, opts: Pick<ComputeMotionOptions, 'estimate' | 'reporter'> = {}): { motion: Motion; peaks: MotionPeaks } {
  checkProbe(recording);
  const motion = estimateMotion(peaks, motionLayout(recording), { ...opts.estimate, reporter: opts.reporter });
  return { motion, peaks };
}

/**
 * Motion from peaks that arrive a batch at a time (a pass finding them chunk by chunk, e.g. the trace
 * cache's), keeping only what the estimate and the drift map need: the rasters, and a bounded sample of
 * the peaks. Memory then does not grow with the number of peaks. The motion equals computeMotion's.
 */
export class StreamedMotion {
  private readonly rasters: MotionRasters;
  private readonly sample: DriftMapSample;

  constructor(recording: Recording, estimate: Omit<MotionEstimateOptions, 'reporter'> = {}, sampleCapacity?: number) {
    checkProbe(recording);
    this.rasters = new MotionRasters(motionLayout(recording), estimate);
    this.sample = new DriftMapSample(sampleCapacity);
  }

  readonly consume: MotionPeakConsumer = (peaks) => {
    this.rasters.add(peaks);
    this.sample.add(peaks);
  };

  /** Detects the peaks of `recording` (as computeMotion does) into this stream. */
  detect(recording: Recording, peaks: Omit<MotionPeakOptions, 'reporter'> = {}, reporter?: Reporter): void {
    streamMotionPeaks(recording, { ...peaks, reporter }, this.consume);
  }

  /** The motion, and the drift map's sample of the peaks (once). */
  finish(reporter?: Reporter): { motion: Motion; peaks: Required<DriftMapPeaks> } {
    return { motion: this.rasters.estimate(reporter), peaks: this.sample.peaks() };
  }
}

function checkProbe(recording: Recording): void {
  if (!recording.hasProbe()) throw new Error('motion estimation needs channel positions: attach a probe with --probe (probeinterface .json, .prb or Kilosort chanMap .mat)');
}
