/**
 * The trace cache finds the motion peaks on its int16 steps (integer thresholds, statistic computed on
 * demand). It must return exactly what motionPeaksInWindow returns on the same steps dequantized to µV
 * (dequantizeInt16), for every polarity, with a constant (zero-noise) channel, steps at the clip limits,
 * and gains whose products round to float32 right at the threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { getKernels } from '../src/kernels/registry.js';
import { motionPeakSetup, motionPeaksInSteps, motionPeaksInWindow, motionStepLimits, MotionPeaks } from '../src/motion/peaks.js';
import { traceCacheGains } from '../src/exec/tracecache.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import type { Polarity } from '../src/sortingcomponents/detection.js';

const FIELDS = ['segment', 'sample', 'channel', 'timeS', 'x', 'y', 'z', 'amplitude'] as const;

function assertSamePeaks(got: MotionPeaks, want: MotionPeaks, what: string): void {
  for (const k of FIELDS) assert.deepEqual(Array.from(got[k]), Array.from(want[k]), `${what}: ${k}`);
}

test('motion peaks from int16 steps equal the peaks of the dequantized window (all polarities)', () => {
  const rec = highpassFilter(generateGroundTruth({ numChannels: 32, numUnits: 20, durationS: 0.5, seed: 11, firingRateHz: [40, 80] }).recording);
  const nc = rec.numChannels;
  const tr = rec.getTraces({ segment: 0, start: 0, end: rec.getNumSamples(0), scaled: true }) as Float32Array;
  const nt = tr.length / nc;
  // Odd gains (noise sd / 64 of irregular noise levels), one channel with no noise.
  const noiseSd = Float64Array.from({ length: nc }, (_, c) => (c === 7 ? 0 : 4.3 + 0.37 * c));
  const gains = traceCacheGains(noiseSd);
  const steps = new Int16Array(tr.length);
  getKernels().quantizeInt16(tr, nc, gains.map((g) => 1 / g), steps);
  steps[100 * nc + 3] = -32767; // clip limits
  steps[200 * nc + 4] = 32767;
  const uv = new Float32Array(steps.length);
  getKernels().dequantizeInt16(steps, nc, gains, uv);
  const from = 40;
  const to = nt - 40;
  for (const polarity of ['negative', 'positive', 'both'] as Polarity[]) {
    for (const thresholdSigma of [5, 4.25]) {
      const setup = motionPeakSetup(rec, { polarity, thresholdSigma }, noiseSd);
      const limits = motionStepLimits(setup, gains);
      const want = motionPeaksInWindow(rec, uv, 0, 1000, 1000 + from, 1000 + to, setup);
      assert.ok(want.sample.length > 20, `${polarity}: only ${want.sample.length} peaks, the test needs spikes`);
      const scratch = { uv: new Float32Array(0) };
      for (let pass = 0; pass < 2; pass++) {
        const got = motionPeaksInSteps(rec, steps, gains, limits, 0, 1000, 1000 + from, 1000 + to, setup, scratch);
        assertSamePeaks(got, want, `${polarity}, threshold ${thresholdSigma}, pass ${pass}`);
      }
    }
  }
});

test('step limits are exact: the first step beyond them crosses the threshold, the one before does not', () => {
  const rec = generateGroundTruth({ numChannels: 8, numUnits: 2, durationS: 0.05, seed: 3 }).recording;
  const noiseSd = Float64Array.from({ length: 8 }, (_, c) => 3.1 + c * 1.7);
  const gains = traceCacheGains(noiseSd, 63.7);
  const setup = motionPeakSetup(rec, { polarity: 'both', thresholdSigma: 5 }, noiseSd);
  const { below, above } = motionStepLimits(setup, gains);
  for (let c = 0; c < 8; c++) {
    const stat = (q: number) => Math.fround(Math.fround(q * gains[c]) * setup.scale[c]);
    assert.ok(stat(below[c]) <= -5 && stat(below[c] + 1) > -5, `channel ${c}: below ${below[c]}`);
    assert.ok(stat(above[c]) >= 5 && stat(above[c] - 1) < 5, `channel ${c}: above ${above[c]}`);
    // About 5 sd × 63.7 steps per sd.
    assert.ok(Math.abs(above[c] - 5 * 63.7) < 2 && Math.abs(below[c] + 5 * 63.7) < 2, `channel ${c}: ${below[c]}, ${above[c]}`);
  }
});
