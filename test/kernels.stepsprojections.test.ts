/**
 * stepsProjections (detection's features read straight from int16 steps) must equal, on every backend and bit
 * for bit, projectSnippet on the window that normalizeInt16 makes: snippets on neighbourhoods of different
 * sizes, 4 components and a remainder (k = 5, 3), at the window's first and last rows, copied and resident.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { projectSnippet, type TemporalBasis } from '../src/sortingcomponents/features.js';
import { normalizeInt16TS } from '../src/kernels/normalize.js';

function transpose(basis: TemporalBasis): Float32Array {
  const { components, numComponents: k, length: len } = basis;
  const t = new Float32Array(k * len);
  for (let r = 0; r < k; r++) for (let p = 0; p < len; p++) t[p * k + r] = components[r * len + p];
  return t;
}

function fixture(k: number, seed: number) {
  const rand = seededRandom(seed);
  const nc = 37;
  const rows = 400;
  const len = 41;
  const nBefore = 13;
  const q = Int16Array.from({ length: rows * nc }, () => Math.round((rand() - 0.5) * 2000));
  q[5] = 32767;
  q[nc + 6] = -32768;
  const gain = Float64Array.from({ length: nc }, () => 0.05 + rand() * 0.3);
  const scale = Float32Array.from({ length: nc }, () => 0.02 + rand() * 0.1);
  scale[4] = 0;
  const components = Float32Array.from({ length: k * len }, () => rand() - 0.5);
  const basis: TemporalBasis = { components, numComponents: k, length: len, nBefore };
  const peaks = [nBefore, rows - len + nBefore, 100, 200, 250, 333];
  const neigh = peaks.map((_, i) => Int32Array.from({ length: 1 + (i * 3) % 8 }, (_, j) => (i * 7 + j * 5) % nc));
  return { nc, rows, len, nBefore, q, gain, scale, basis, peaks, neigh };
}

for (const k of [4, 5, 3]) {
  test(`stepsProjections equals projectSnippet on the normalised window (${k} components)`, () => {
    const f = fixture(k, 3 + k);
    const x = new Float32Array(f.q.length);
    normalizeInt16TS(f.q, f.nc, f.gain, f.scale, x);
    const maxN = 8;
    const dim = maxN * k;
    const want = new Float32Array(f.peaks.length * dim);
    f.peaks.forEach((row, i) => projectSnippet(x, f.nc, row, f.neigh[i], f.basis, want, i * dim));
    const rows = Int32Array.from(f.peaks, (p) => p - f.nBefore);
    const chanStart = new Int32Array(f.peaks.length + 1);
    f.neigh.forEach((n, i) => (chanStart[i + 1] = chanStart[i] + n.length));
    const chans = new Int32Array(chanStart[f.peaks.length]);
    f.neigh.forEach((n, i) => chans.set(n, chanStart[i]));
    for (const [name, kern] of kernelBackends()) {
      const got = new Float32Array(want.length).fill(7);
      kern.stepsProjections(f.q, f.nc, f.gain, f.scale, rows, chanStart, chans, transpose(f.basis), k, f.len, got, dim);
      assert.deepEqual(got, want, `${name}`);
      if (kern.residentFloat32) {
        const res = kern.residentFloat32(0x7370, Math.ceil(f.q.length / 2));
        const steps = new Int16Array(res.buffer, res.byteOffset, f.q.length);
        steps.set(f.q);
        const again = new Float32Array(want.length);
        kern.stepsProjections(steps, f.nc, f.gain, f.scale, rows, chanStart, chans, transpose(f.basis), k, f.len, again, dim);
        assert.deepEqual(again, want, `${name}, resident`);
      }
      assert.throws(() => kern.stepsProjections(f.q, f.nc, f.gain, f.scale, Int32Array.of(f.rows - f.len + 1), Int32Array.of(0, 1), Int32Array.of(0), transpose(f.basis), k, f.len, got, dim), /outside the 400 rows/);
    }
    assert.ok(want.some((v) => v !== 0));
  });
}
