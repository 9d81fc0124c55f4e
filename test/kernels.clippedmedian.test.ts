/**
 * clippedMedianAcrossChannels: each row's median leaves out the channels that lie beyond clip of their
 * row's plain median anywhere from back rows before to fwd rows after. Checked against the sort-based
 * definition (helpers/median.ts), across backends (the WASM host streams overlapping blocks), and on rows where
 * a large spike with a rebound covers a quarter of the channels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../src/core/random.js';
import { gaussian } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';
import { clippedMedianBySort } from './helpers/median.js';

/** nt × nc rows: a shared level + unit noise, and every ~25 rows a 4-row spike of 10–60 on a run of width channels. */
function spikyRows(nt: number, nc: number, width: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(nt * nc);
  for (let t = 0; t < nt; t++) {
    const level = 10 * Math.sin(t / 17);
    for (let c = 0; c < nc; c++) x[t * nc + c] = level + gaussian(rand);
  }
  for (let t0 = 5; t0 + 4 < nt; t0 += 20 + Math.floor(rand() * 10)) {
    const first = Math.floor(rand() * (nc - width));
    const amp = (rand() < 0.5 ? -1 : 1) * (10 + 50 * rand());
    for (let t = t0; t < t0 + 4; t++) for (let c = first; c < first + width; c++) x[t * nc + c] += amp * (0.3 + 0.7 * rand()) / (t - t0 + 1);
  }
  return x;
}

test('clippedMedianAcrossChannels equals the sort-based definition on every backend (odd, even, subsets, strided out, small blocks)', () => {
  for (const [name, k] of kernelBackends([undefined, 4096])) {
    for (const nc of [64, 65, 384, 7]) {
      const nt = 150;
      const x = spikyRows(nt, nc, Math.max(1, nc >> 2), nc);
      const all = Int32Array.from({ length: nc }, (_, c) => c);
      for (const subset of [all, all.filter((c) => c % 3 !== 1)]) {
        for (const [clip, back, fwd] of [[3, 6, 2], [0.7, 0, 0], [5, 30, 15]]) {
          const want = clippedMedianBySort(x, nc, subset, clip, back, fwd);
          const got = new Float32Array(2 * nt);
          k.clippedMedianAcrossChannels(x, nc, subset, got, 2, 1, clip, back, fwd);
          assert.deepEqual(got.filter((_, i) => i & 1), want, `${name}: nc ${nc}, ${subset.length} channels, clip ${clip}, window −${back}..+${fwd}`);
        }
      }
    }
  }
});

test('clippedMedianAcrossChannels with clip 0 is the plain median; rows with NaN or ±Infinity agree across backends', () => {
  const nc = 40;
  const nt = 200;
  const x = spikyRows(nt, nc, 10, 3);
  x[5 * nc + 2] = NaN;
  x.fill(NaN, 6 * nc, 7 * nc);
  x[8 * nc] = Infinity;
  x.fill(-Infinity, 9 * nc, 9 * nc + 30);
  x.fill(2.5, 10 * nc, 11 * nc); // constant row
  const subset = Int32Array.from({ length: nc }, (_, c) => c);
  const backends = kernelBackends([undefined, 2048]);
  const plain = new Float32Array(nt);
  backends[0][1].medianAcrossChannels(x, nc, subset, plain, 1, 0);
  const ref = new Float32Array(nt);
  backends[0][1].clippedMedianAcrossChannels(x, nc, subset, ref, 1, 0, 2, 5, 3);
  for (const [name, k] of backends) {
    const zero = new Float32Array(nt);
    k.clippedMedianAcrossChannels(x, nc, subset, zero, 1, 0, 0, 5, 3);
    assert.deepEqual(zero, plain, `${name}: clip 0`);
    const got = new Float32Array(nt);
    k.clippedMedianAcrossChannels(x, nc, subset, got, 1, 0, 2, 5, 3);
    assert.deepEqual(got, ref, `${name}: clip 2`);
  }
});

test('a spike with a rebound on a quarter of the channels moves the plain median, not the clipped one', () => {
  // 64 channels of unit noise; every 40 rows a spike on 16 channels: 6 rows of trough (−40) then
  // 10 rows of rebound (+2, within the clip, so a per-row clip would keep those channels). The plain
  // median moves by ≈ −0.4 sd during the trough and ≈ +0.2 sd on the rebound; the clipped median,
  // leaving the channels out for 12 rows after they were beyond the clip, moves by neither.
  const nc = 64;
  const nt = 8000;
  const rand = mulberry32(11);
  const x = new Float32Array(nt * nc);
  for (let i = 0; i < x.length; i++) x[i] = gaussian(rand);
  for (let t0 = 0; t0 + 16 <= nt; t0 += 40) {
    for (let t = t0; t < t0 + 16; t++) for (let c = 20; c < 36; c++) x[t * nc + c] += t < t0 + 6 ? -40 : 2;
  }
  const phase = (a: Float32Array, lo: number, hi: number) => {
    let s = 0, n = 0;
    for (let t = 0; t < nt; t++) if (t % 40 >= lo && t % 40 < hi) (s += a[t], n++);
    return s / n;
  };
  const subset = Int32Array.from({ length: nc }, (_, c) => c);
  for (const [name, k] of kernelBackends()) {
    const plain = new Float32Array(nt);
    const clipped = new Float32Array(nt);
    k.medianAcrossChannels(x, nc, subset, plain, 1, 0);
    k.clippedMedianAcrossChannels(x, nc, subset, clipped, 1, 0, 4, 12, 2);
    // sd of one row's median of 48–64 unit-noise values ≤ 0.18: a phase mean over 1000+ rows is within ±0.01.
    assert.ok(phase(plain, 0, 6) < -0.3, `${name}: plain median during the trough ${phase(plain, 0, 6)}`);
    assert.ok(phase(plain, 6, 16) > 0.05, `${name}: plain median during the rebound ${phase(plain, 6, 16)}`);
    assert.ok(Math.abs(phase(clipped, 0, 6)) < 0.03, `${name}: clipped median during the trough ${phase(clipped, 0, 6)}`);
    assert.ok(Math.abs(phase(clipped, 6, 16)) < 0.03, `${name}: clipped median during the rebound ${phase(clipped, 6, 16)}`);
  }
});
