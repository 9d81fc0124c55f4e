/**
 * The WASM median kernels narrow each wide row (128 channels up) in stages: a window about a rough
 * centre of the row, then up to three windows about the interpolated rank, then a rank-count selection
 * of the last few values, with exact counts deciding at every stage and full selections behind each miss.
 * Rows shaped to stress each stage (white common-mode jumps, heavy tails, int16-like steps with many
 * ties, constant and half-constant rows, spikes in the first and last rows of the clipped window) must
 * give exactly the sort-based definition (NaN-free rows) or the TS reference (rows with NaN or ±Infinity),
 * for odd and even channel counts, gathered subsets and small streaming blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../src/core/random.js';
import { gaussian } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';
import { clippedMedianBySort, rowValues, sortedMedian } from './helpers/median.js';

/** Noise of sd 1 plus a white shared level of sd `common`; one in `every` rows heavy-tailed; values rounded to 1/`steps` when steps > 0. */
function wideRows(nt: number, nc: number, common: number, every: number, steps: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(nt * nc);
  for (let t = 0; t < nt; t++) {
    const level = common * gaussian(rand) + (t % 50 === 0 ? 200 : 0);
    const heavy = t % every === 0;
    for (let c = 0; c < nc; c++) {
      let v = level + gaussian(rand) * (heavy && rand() < 0.3 ? 25 : 1);
      if (steps > 0) v = Math.round(v * steps) / steps;
      x[t * nc + c] = v;
    }
  }
  // A constant row, a row half of one value, one spike across most channels at the very first rows.
  x.fill(1.25, 7 * nc, 8 * nc);
  x.fill(-3, 9 * nc, 9 * nc + (nc >> 1));
  for (let t = 0; t < 3; t++) for (let c = 10; c < nc - 40; c += 3) x[t * nc + c] -= 60;
  for (let t = nt - 2; t < nt; t++) for (let c = 0; c < nc >> 2; c++) x[t * nc + c] += 80;
  return x;
}

const cases: Array<[string, number, number, number, number]> = [
  // name, channels, common-mode sd, heavy row every, steps per unit (0: continuous)
  ['384 channels, strong common mode', 384, 3, 5, 0],
  ['385 channels, int16-like steps (ties)', 385, 1, 7, 4],
  ['256 channels, coarse steps (many ties)', 256, 0.5, 3, 1],
  ['131 channels, weak common mode', 131, 0.1, 11, 0],
];

test('wide-row medianAcrossChannels equals the sort-based median on every backend (odd, even, ties, subsets)', () => {
  const nt = 700;
  for (const [label, nc, common, every, steps] of cases) {
    const x = wideRows(nt, nc, common, every, steps, nc);
    const subsets = [Int32Array.from({ length: nc }, (_, c) => c), Int32Array.from({ length: Math.floor((nc - 1) / 2) + 1 }, (_, j) => nc - 1 - 2 * j)];
    for (const subset of subsets) {
      if (subset.length < 64) continue;
      const want = Float32Array.from({ length: nt }, (_, t) => sortedMedian(rowValues(x, nc, subset, t)) + 0);
      for (const [name, k] of kernelBackends([undefined, 1 << 15])) {
        const got = new Float32Array(nt);
        k.medianAcrossChannels(x, nc, subset, got, 1, 0);
        assert.deepEqual(got, want, `${name}: ${label}, ${subset.length} of ${nc} channels`);
      }
    }
  }
});

test('wide-row clippedMedianAcrossChannels equals its definition, spikes at the block edges included', () => {
  const nt = 500;
  for (const [label, nc, common, every, steps] of cases) {
    const x = wideRows(nt, nc, common, every, steps, 100 + nc);
    for (const subset of [Int32Array.from({ length: nc }, (_, c) => c), Int32Array.from({ length: nc - 3 }, (_, j) => j + 3)]) {
      for (const [clip, back, fwd] of [[5, 6, 3], [3, 2, 8]]) {
        const want = clippedMedianBySort(x, nc, subset, clip, back, fwd);
        for (const [name, k] of kernelBackends([undefined, 1 << 16])) {
          const got = new Float32Array(nt);
          k.clippedMedianAcrossChannels(x, nc, subset, got, 1, 0, clip, back, fwd);
          assert.deepEqual(got, want, `${name}: ${label}, ${subset.length} of ${nc} channels, clip ${clip}, window −${back}..+${fwd}`);
        }
      }
    }
  }
});

test('wide rows with NaN or ±Infinity: WASM equals the TS reference, plain and clipped', () => {
  const nc = 300;
  const nt = 300;
  const x = wideRows(nt, nc, 2, 4, 0, 9);
  x[20 * nc + 7] = NaN; // one NaN
  x.fill(NaN, 21 * nc, 22 * nc); // all NaN
  x[23 * nc + 150] = Infinity;
  x.fill(-Infinity, 24 * nc, 24 * nc + 100);
  x.fill(Infinity, 25 * nc, 25 * nc + 200); // the median itself is +Infinity
  for (let t = 60; t < 64; t++) x[t * nc + t] = NaN; // NaN inside a clipped window
  const subset = Int32Array.from({ length: nc }, (_, c) => c);
  const [[, ts], ...others] = kernelBackends([undefined, 1 << 15]);
  const plain = new Float32Array(nt);
  ts.medianAcrossChannels(x, nc, subset, plain, 1, 0);
  const clipped = new Float32Array(nt);
  ts.clippedMedianAcrossChannels(x, nc, subset, clipped, 1, 0, 4, 5, 3);
  for (const [name, k] of others) {
    const got = new Float32Array(nt);
    k.medianAcrossChannels(x, nc, subset, got, 1, 0);
    assert.deepEqual(got, plain, `${name}: plain`);
    k.clippedMedianAcrossChannels(x, nc, subset, got, 1, 0, 4, 5, 3);
    assert.deepEqual(got, clipped, `${name}: clipped`);
  }
});
