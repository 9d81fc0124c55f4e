/**
 * weightedVariance (template matching's error variance under a template window): every backend must equal,
 * bit for bit, a plain float64 loop written here that skips rows of zeros, as the matcher did before the
 * kernel; WASM is checked on ordinary arrays (TS fallback) and on resident ones (the in-place path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray, randomInts } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

interface Problem {
  v: Float32Array;
  ld: number;
  start: number;
  rows: number;
  cols: Int32Array;
  w: Float32Array;
}

function problem(seed: number, ld: number, numRows: number, rows: number, n: number): Problem {
  const next = randomInts(seed);
  const cols = Int32Array.from({ length: n }, () => next(ld));
  // Mostly positive variance with some negative values and -0 (restored fits leave rounding below zero),
  // and whole rows of zeros (rows no fit reached).
  const v = randomArray(numRows * ld, seed + 2).map((x) => (x < -0.8 ? x : Math.abs(x) * 7));
  for (let r = 0; r < numRows; r++) if (next(3) === 0) v.fill(0, r * ld, (r + 1) * ld);
  if (v.length > 5) v[5] = -0;
  return { v, ld, start: next(numRows - rows + 1), rows, cols, w: randomArray(rows * n, seed + 3) };
}

function reference(p: Problem): number {
  const n = p.cols.length;
  let s = 0;
  for (let r = 0; r < p.rows; r++) {
    const row = (p.start + r) * p.ld;
    let zeros = true;
    for (let c = 0; c < p.ld; c++) if (p.v[row + c] !== 0) zeros = false;
    if (zeros) continue;
    for (let q = 0; q < n; q++) {
      const w = p.w[r * n + q];
      const x = p.v[row + p.cols[q]];
      s += w * w * (x > 0 ? x : 0);
    }
  }
  return s;
}

const shapes: Array<[number, number, number, number]> = [
  [57, 90, 30, 13],
  [384, 120, 90, 34],
  [4, 10, 10, 4],
  [9, 5, 0, 3],
  [16, 8, 3, 0],
];

test('weightedVariance equals a plain float64 loop bit for bit', () => {
  for (const [name, k] of kernelBackends()) {
    shapes.forEach(([ld, numRows, rows, n], s) => {
      const p = problem(17 + s, ld, numRows, rows, n);
      const got = k.weightedVariance(p.v, p.ld, p.start, p.rows, p.cols, p.w);
      assert.ok(Object.is(got, reference(p)), `${name} ${ld}×${numRows}: ${got} vs ${reference(p)}`);
    });
  }
});

test('weightedVariance on resident buffers equals the plain loop bit for bit', () => {
  const resident = kernelBackends().filter(([, k]) => k.residentFloat32);
  for (const [name, k] of resident as Array<[string, Kernels & { residentFloat32: NonNullable<Kernels['residentFloat32']> }]>) {
    shapes.forEach(([ld, numRows, rows, n], s) => {
      const p = problem(41 + s, ld, numRows, rows, n);
      k.residentFloat32(911, p.v.length);
      k.residentFloat32(912, p.w.length);
      const v = k.residentFloat32(911, p.v.length);
      const w = k.residentFloat32(912, p.w.length);
      v.set(p.v);
      w.set(p.w);
      const got = k.weightedVariance(v, p.ld, p.start, p.rows, p.cols, w);
      assert.ok(Object.is(got, reference(p)), `${name} resident ${ld}×${numRows}: ${got} vs ${reference(p)}`);
    });
  }
});

test('weightedVariance rejects columns and rows outside the block, naming the problem', () => {
  for (const [name, k] of kernelBackends()) {
    const v = new Float32Array(10 * 8);
    const w = new Float32Array(3 * 2);
    assert.throws(() => k.weightedVariance(v, 8, 0, 3, Int32Array.from([1, 8]), w), /column 8 is outside the block's 8 columns/, name);
    assert.throws(() => k.weightedVariance(v, 8, 8, 3, Int32Array.from([1, 2]), w), /rows \[8, 11\) lie outside a block of 10 rows/, name);
    assert.throws(() => k.weightedVariance(v, 8, 0, 4, Int32Array.from([1, 2]), w), /template has 6 values/, name);
  }
});
