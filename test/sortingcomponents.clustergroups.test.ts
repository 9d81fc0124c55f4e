/**
 * splitGroups (every group's recursiveSplit on the worker pool, features in shared memory) against
 * recursiveSplit called group by group on this thread: the same labels, delivered in group order, for
 * one job (this thread) and for two and three (worker threads, on the workers' kernels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BinaryRecording } from '../src/io/binary.js';
import { setKernels } from '../src/kernels/registry.js';
import { selectBestKernels } from '../src/kernels/wasmnode.js';
import { recursiveSplit, type SplitOptions } from '../src/sortingcomponents/clustering.js';
import { spikeTimeKeys, splitGroups } from '../src/sortingcomponents/clustergroups.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';
import { tempDir } from './helpers/paths.js';

const OPTS: SplitOptions = { minClusterSize: 8, splitScore: 3, maxDepth: 10, splitDims: 6, seedComponents: 3, minSeparation: 4, maxSeparationGroup: 400, timeKs: 0.5 };

/** Groups of 1 to 4 Gaussian blobs in d dimensions, with increasing time keys. */
function groups(count: number, d: number): { features: Float32Array[]; featureDim: number; times: Float64Array[] } {
  const rand = seededRandom(17);
  const features: Float32Array[] = [];
  const times: Float64Array[] = [];
  for (let g = 0; g < count; g++) {
    const blobs = 1 + (g % 4);
    const x: number[] = [];
    for (let b = 0; b < blobs; b++) {
      const n = 30 + Math.floor(rand() * 300);
      const centre = Array.from({ length: d }, () => 10 * b * rand());
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x.push(centre[j] + gaussian(rand));
    }
    const n = x.length / d;
    features.push(Float32Array.from(x));
    times.push(spikeTimeKeys(new Int32Array(n), Float64Array.from({ length: n }, () => Math.floor(rand() * 1e6)).sort()));
  }
  return { features, featureDim: d, times };
}

/** A recording that workers can open (the pool rebuilds it from its spec); its traces are not read. */
function fileRecording(dir: string): BinaryRecording {
  const file = path.join(dir, 'traces.raw');
  fs.writeFileSync(file, new Uint8Array(2 * 4 * 100));
  return new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: 4, dtype: 'int16' });
}

test('splitGroups gives every group the labels recursiveSplit gives it, in group order, for any number of jobs', async () => {
  const dir = tempDir();
  // Worker threads run the best kernels: so does this thread here, for the reference too.
  const previous = setKernels(selectBestKernels());
  try {
    const rec = fileRecording(dir);
    const input = groups(9, 6);
    const want = input.features.map((x, g) => recursiveSplit(x, input.featureDim, OPTS, input.times[g]));
    assert.ok(want.some((l) => Math.max(...l) >= 2), 'some group should split into three or more clusters');
    for (const jobs of [1, 2, 3]) {
      const got: [number, Int32Array][] = [];
      await splitGroups(rec, input, OPTS, { jobs, minRowsForWorkers: 0, onLabels: (g, labels) => got.push([g, labels]) });
      assert.deepEqual(got.map(([g]) => g), want.map((_, g) => g), `${jobs} jobs: groups out of order`);
      got.forEach(([g, labels]) => assert.deepEqual(labels, want[g], `${jobs} jobs, group ${g}`));
    }
  } finally {
    setKernels(previous);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
