/**
 * sparseMix against a float64 sum written here (products and sums in q order, rounded once to float32),
 * bit for bit, on both backends: random sparse rows (empty rows, repeated sources, pass-through weight 1,
 * NaN), row counts that are not multiples of 4 and (WASM) blocks smaller than the input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

/** A random sparse mixing of nIn channels to nOut rows (0 to maxTerms terms each). */
function randomMixing(nIn: number, nOut: number, maxTerms: number, seed: number): { offsets: Int32Array; source: Int32Array; weight: Float32Array } {
  const u = randomArray(nOut * (2 * maxTerms + 1), seed).map((v) => Math.abs(v) % 1);
  const offsets = new Int32Array(nOut + 1);
  const source: number[] = [];
  const weight: number[] = [];
  let r = 0;
  for (let j = 0; j < nOut; j++) {
    const count = j === 1 ? 0 : Math.floor(u[r++] * (maxTerms + 1));
    for (let q = 0; q < count; q++) {
      source.push(Math.min(nIn - 1, Math.floor(u[r++] * nIn)));
      weight.push(j === 2 ? 1 : (u[r++] - 0.5) * 3);
    }
    offsets[j + 1] = source.length;
  }
  return { offsets, source: Int32Array.from(source), weight: Float32Array.from(weight) };
}

test('sparseMix equals the float64 sum in term order rounded to float32, bit for bit', () => {
  for (const [nIn, nOut, rows] of [[64, 64, 301], [7, 5, 6], [384, 100, 43]] as const) {
    const x = randomArray(rows * nIn, nIn + rows).map((v) => v * 80);
    x[3] = NaN;
    const m = randomMixing(nIn, nOut, 30, nOut);
    const want = new Float32Array(rows * nOut);
    for (let t = 0; t < rows; t++) {
      for (let j = 0; j < nOut; j++) {
        let s = 0;
        for (let q = m.offsets[j]; q < m.offsets[j + 1]; q++) s = s + Number(m.weight[q]) * Number(x[t * nIn + m.source[q]]);
        want[t * nOut + j] = Math.fround(s);
      }
    }
    for (const [name, k] of kernelBackends([1 << 20, 1024])) {
      const got = new Float32Array(rows * nOut).fill(7);
      k.sparseMix(x, nIn, m.offsets, m.source, m.weight, got);
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(got[i], want[i])) assert.fail(`${name}, ${nIn}→${nOut} channels: value ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test('sparseMix rejects sources beyond the channels and a wrong output size', () => {
  const x = new Float32Array(8);
  assert.throws(() => tsKernels.sparseMix(x, 4, Int32Array.of(0, 1), Int32Array.of(4), Float32Array.of(1), new Float32Array(2)), /source 4 of term 0 is not a channel of 4/);
  assert.throws(() => tsKernels.sparseMix(x, 4, Int32Array.of(0, 1), Int32Array.of(3), Float32Array.of(1), new Float32Array(3)), /expected 2 rows × 1 channels/);
});
