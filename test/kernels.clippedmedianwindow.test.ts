/**
 * clippedMedianAcrossChannels on long runs of reselected rows: the WASM kernel looks for each reselected
 * median in a narrow window about the plain median, adapting its width, and falls back when the window
 * misses. Long 384-channel blocks where almost every row leaves some channels out (window narrowing),
 * with wide one-sided spikes that shift the median by many ranks (misses), must still match a sort-based
 * definition (helpers/median.ts) exactly, on every backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../src/core/random.js';
import { gaussian } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';
import { clippedMedianBySort, sortedMedian } from './helpers/median.js';

/** Unit noise on nc channels, a drifting shared level, and one-sided spikes on `spikeShare` of the channels every ~`every` rows. */
function rows(nt: number, nc: number, spikeShare: number, every: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(nt * nc);
  for (let t = 0; t < nt; t++) {
    const level = 50 * Math.sin(t / 300);
    for (let c = 0; c < nc; c++) x[t * nc + c] = level + gaussian(rand);
  }
  const width = Math.max(1, Math.round(spikeShare * nc));
  for (let t0 = 3; t0 + 3 < nt; t0 += 1 + Math.floor(rand() * 2 * every)) {
    const first = Math.floor(rand() * (nc - width));
    const amp = (rand() < 0.5 ? -1 : 1) * (6 + 30 * rand());
    for (let t = t0; t < t0 + 3; t++) for (let c = first; c < first + width; c++) x[t * nc + c] += amp / (t - t0 + 1);
  }
  return x;
}

test('clippedMedianAcrossChannels: long runs of reselected rows, narrow and missed windows, equal the definition on every backend', () => {
  const nc = 384;
  const nt = 1500;
  for (const [share, every, clip, seed] of [[0.01, 2, 4, 1], [0.4, 40, 4, 2], [0.05, 3, 2.5, 3]]) {
    const x = rows(nt, nc, share, every, seed);
    const all = Int32Array.from({ length: nc }, (_, c) => c);
    const want = clippedMedianBySort(x, nc, all, clip, 6, 3);
    // The definition must leave channels out of most rows here, or the window path is not exercised.
    let reselected = 0;
    for (let t = 0; t < nt; t++) if (want[t] !== sortedMedian(Array.from(x.subarray(t * nc, (t + 1) * nc))) + 0) reselected++;
    assert.ok(reselected > nt / 4, `only ${reselected} of ${nt} rows reselected`);
    for (const [name, k] of kernelBackends([undefined, 1 << 16])) {
      const got = new Float32Array(nt);
      k.clippedMedianAcrossChannels(x, nc, all, got, 1, 0, clip, 6, 3);
      assert.deepEqual(got, want, `${name}: spikes on ${share * 100}% of the channels every ~${every} rows, clip ${clip}`);
    }
  }
});
