/**
 * subtractTemplate (template matching's fused subtraction and variance update): every backend must equal,
 * bit for bit, a plain loop written here (float64 arithmetic, each store rounded to float32), with
 * ordinary arrays and, for WASM, with resident ones (the in-place path); matching's sortings rely on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray, randomInts } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

interface Problem {
  x: Float32Array;
  v: Float32Array;
  ld: number;
  start: number;
  rows: number;
  cols: Int32Array;
  w: Float32Array;
  a: number;
  k: number;
}

function problem(seed: number, ld: number, numRows: number, rows: number, n: number): Problem {
  const next = randomInts(seed);
  // Columns in any order, repeats included: each store must still follow the previous one.
  const cols = Int32Array.from({ length: n }, () => next(ld));
  return {
    x: randomArray(numRows * ld, seed + 1),
    v: randomArray(numRows * ld, seed + 2).map(Math.abs),
    ld,
    start: next(numRows - rows + 1),
    rows,
    cols,
    w: randomArray(rows * n, seed + 3),
    a: (next(2) ? -1 : 1) * (0.5 + next(1000) / 337),
    k: (next(2) ? -1 : 1) * (0.1 + next(1000) / 713),
  };
}

function reference(p: Problem, withVariance: boolean): { x: Float32Array; v: Float32Array } {
  const x = p.x.slice();
  const v = p.v.slice();
  const n = p.cols.length;
  for (let r = 0; r < p.rows; r++) {
    for (let q = 0; q < n; q++) {
      const i = (p.start + r) * p.ld + p.cols[q];
      const w = p.w[r * n + q];
      x[i] = Math.fround(x[i] - p.a * w);
      if (withVariance) v[i] = Math.fround(v[i] + p.k * w * w);
    }
  }
  return { x, v };
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what} [${i}]: ${a[i]} vs ${b[i]}`);
}

const shapes: Array<[number, number, number, number]> = [
  [57, 90, 30, 13],
  [384, 120, 61, 40],
  [4, 10, 10, 4],
  [9, 5, 0, 3],
  [16, 8, 3, 0],
];

test('subtractTemplate equals a plain float64 loop bit for bit, with and without variance', () => {
  for (const [name, k] of kernelBackends()) {
    shapes.forEach(([ld, numRows, rows, n], s) => {
      for (const withVariance of [true, false]) {
        const p = problem(11 + s, ld, numRows, rows, n);
        const want = reference(p, withVariance);
        const x = p.x.slice();
        const v = p.v.slice();
        k.subtractTemplate(x, p.ld, p.start, p.rows, p.cols, p.w, p.a, withVariance ? v : null, p.k);
        sameBits(x, want.x, `${name} x ${ld}×${numRows}`);
        sameBits(v, want.v, `${name} variance ${ld}×${numRows}`);
      }
    });
  }
});

test('subtractTemplate in place on resident buffers equals the plain loop bit for bit', () => {
  const resident = kernelBackends().filter(([, k]) => k.residentFloat32);
  for (const [name, k] of resident as Array<[string, Kernels & { residentFloat32: NonNullable<Kernels['residentFloat32']> }]>) {
    shapes.forEach(([ld, numRows, rows, n], s) => {
      for (const withVariance of [true, false]) {
        const p = problem(31 + s, ld, numRows, rows, n);
        const want = reference(p, withVariance);
        // All three reserved before any view is taken: reserving may grow memory and detach earlier views.
        k.residentFloat32(901, p.x.length);
        k.residentFloat32(902, p.v.length);
        k.residentFloat32(903, p.w.length);
        const x = k.residentFloat32(901, p.x.length);
        const v = k.residentFloat32(902, p.v.length);
        const w = k.residentFloat32(903, p.w.length);
        x.set(p.x);
        v.set(p.v);
        w.set(p.w);
        k.subtractTemplate(x, p.ld, p.start, p.rows, p.cols, w, p.a, withVariance ? v : null, p.k);
        sameBits(x.slice(), want.x, `${name} resident x ${ld}×${numRows}`);
        sameBits(v.slice(), want.v, `${name} resident variance ${ld}×${numRows}`);
      }
    });
  }
});

test('subtractTemplate rejects columns and rows outside the block, naming the problem', () => {
  for (const [name, k] of kernelBackends()) {
    const x = new Float32Array(10 * 8);
    const w = new Float32Array(3 * 2);
    assert.throws(() => k.subtractTemplate(x, 8, 0, 3, Int32Array.from([1, 8]), w, 1, null, 0), /column 8 is outside the block's 8 columns/, name);
    assert.throws(() => k.subtractTemplate(x, 8, 8, 3, Int32Array.from([1, 2]), w, 1, null, 0), /rows \[8, 11\) lie outside a block of 10 rows/, name);
    assert.throws(() => k.subtractTemplate(x, 8, 0, 4, Int32Array.from([1, 2]), w, 1, null, 0), /template has 6 values/, name);
    assert.throws(() => k.subtractTemplate(x, 8, 0, 3, Int32Array.from([1, 2]), w, 1, new Float32Array(5), 0), /variance has 5 values/, name);
  }
});
