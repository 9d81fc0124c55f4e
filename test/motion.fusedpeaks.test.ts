import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { AppendSegmentsRecording } from '../src/core/recordingtools.js';
import { cacheTraces, TraceCacheDtype } from '../src/exec/tracecache.js';
import { detectMotionPeaks, MotionPeaks } from '../src/motion/peaks.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import { estimateNoiseMad } from '../src/sortingcomponents/noise.js';
import { setKernels } from '../src/kernels/registry.js';
import { selectBestKernels } from '../src/kernels/wasmnode.js';
import { tempDir } from './helpers/paths.js';
import * as fs from 'node:fs';

/** Two segments (0.8 s and 0.4 s) of a generated 32-channel probe, high-passed as the sorter does. */
function makeRecording() {
  const a = generateGroundTruth({ numChannels: 32, numUnits: 16, durationS: 0.8, seed: 5, firingRateHz: [30, 60] }).recording;
  const b = generateGroundTruth({ numChannels: 32, numUnits: 16, durationS: 0.4, seed: 6, firingRateHz: [30, 60] }).recording;
  return highpassFilter(new AppendSegmentsRecording([a, b]));
}

const FIELDS = ['segment', 'sample', 'channel', 'timeS', 'x', 'y', 'z', 'amplitude'] as const;

function assertSamePeaks(got: MotionPeaks, want: MotionPeaks, what: string): void {
  for (const k of FIELDS) assert.deepEqual(Array.from(got[k]), Array.from(want[k]), `${what}: ${k}`);
}

test('motion peaks found while writing the trace cache equal a separate detectMotionPeaks pass over the cache', async () => {
  // Worker threads filter with the best backend (WASM when built: float32 filter arithmetic, not the TS
  // reference's float64); one job runs on this thread, which must use the same one.
  const kernelsBefore = setKernels(selectBestKernels());
  const rec = makeRecording();
  const noiseSd = estimateNoiseMad(rec, { numChunks: 4, chunkSamples: 3000, seed: 2 });
  const dir = tempDir();
  try {
    // 997: chunks with interiors (12% of rows lie within the 60-row context of a boundary and are
    // stitched) and a short last chunk per segment; 50: chunks shorter than the peaks' context
    // (2 × 60 rows), all stitched on the calling thread.
    const cases: [TraceCacheDtype, number, number][] = [['int16', 997, 2], ['int16', 997, 1], ['float32', 9000, 2], ['int16', 50, 1]];
    let reference: MotionPeaks | null = null;
    for (const [dtype, chunkSamples, jobs] of cases) {
      const cache = await cacheTraces(rec, { noiseSd, dtype, chunkSamples, jobs, tempDir: dir, motionPeaks: { noiseSd } });
      try {
        assert.ok(cache.motionPeaks, 'the cache pass returns motion peaks');
        const separate = detectMotionPeaks(cache.recording, { noiseSd });
        assert.ok(separate.sample.length > 50, `only ${separate.sample.length} peaks: the test needs spikes`);
        assert.ok(new Set(separate.segment).size === 2, 'peaks in both segments');
        const nearBoundary = Array.from(separate.sample).filter((t) => Math.abs(t - Math.round(t / chunkSamples) * chunkSamples) < 60).length;
        if (chunkSamples < 1000) assert.ok(nearBoundary >= 30, `only ${nearBoundary} of ${separate.sample.length} peaks near chunk boundaries`);
        assertSamePeaks(cache.motionPeaks, separate, `${dtype}, chunks of ${chunkSamples}, ${jobs} job(s)`);
        // int16 runs store the same steps whatever the chunking, so they agree with each other too.
        if (dtype === 'int16' && chunkSamples === 997) {
          if (reference) assertSamePeaks(cache.motionPeaks, reference, `jobs ${jobs} vs the first run`);
          reference = cache.motionPeaks;
        }
      } finally {
        cache.dispose();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    setKernels(kernelsBefore);
  }
});

test('the trace cache returns no motion peaks unless asked', async () => {
  const rec = makeRecording();
  const dir = tempDir();
  try {
    const cache = await cacheTraces(rec, { noiseSd: new Float32Array(32).fill(10), jobs: 1, tempDir: dir });
    assert.equal(cache.motionPeaks, null);
    cache.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
