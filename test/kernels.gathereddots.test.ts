/**
 * gatheredShiftedDots (several templates scored from one union-of-channels block): each item must equal,
 * bit for bit, gathering its rows × channels and calling the same backend's shiftedDots (template matching
 * relies on this to keep sortings identical), and lie within float64 rounding (1e-13 of Σ|x·w|) of a plain
 * float64 loop written here. The WASM module is checked when it is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray, randomInts } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function backends(): Array<[string, Kernels]> {
  return kernelBackends();
}

/** A block of `ld` columns and items with random channel subsets (odd widths) and row offsets. */
function problem(seed: number, ld: number, rows: number, shifts: number, count: number) {
  const next = randomInts(seed);
  const rowStart = new Int32Array(count);
  const colStart = new Int32Array(count + 1);
  const colList: number[] = [];
  const w: Float32Array[] = [];
  let maxRow = 0;
  for (let j = 0; j < count; j++) {
    rowStart[j] = next(9);
    maxRow = Math.max(maxRow, rowStart[j] + rows + shifts - 1);
    const n = 1 + next(ld);
    colStart[j] = colList.length;
    for (let q = 0; q < n; q++) colList.push(next(ld));
    w.push(randomArray(rows * n, seed + 100 + j));
  }
  colStart[count] = colList.length;
  const x = randomArray(maxRow * ld, seed + 7);
  return { x, rowStart, colStart, cols: Int32Array.from(colList), w };
}

test('gatheredShiftedDots equals gather + shiftedDots bit for bit and a float64 loop within rounding', () => {
  for (const [name, k] of backends()) {
    for (const [ld, rows, shifts, count] of [[13, 17, 7, 5], [46, 90, 7, 9], [3, 1, 2, 3], [31, 9, 1, 4]]) {
      const { x, rowStart, colStart, cols, w } = problem(ld * 31 + rows, ld, rows, shifts, count);
      const out = new Float64Array(count * shifts);
      k.gatheredShiftedDots(x, ld, rows, shifts, count, rowStart, colStart, cols, w, out);
      for (let j = 0; j < count; j++) {
        const n = colStart[j + 1] - colStart[j];
        const block = new Float32Array((rows + shifts - 1) * n);
        for (let p = 0; p < rows + shifts - 1; p++) for (let q = 0; q < n; q++) block[p * n + q] = x[(rowStart[j] + p) * ld + cols[colStart[j] + q]];
        const one = new Float64Array(shifts);
        k.shiftedDots(block, w[j], rows * n, n, shifts, one);
        for (let s = 0; s < shifts; s++) {
          assert.ok(Object.is(out[j * shifts + s], one[s]), `${name} ld ${ld} item ${j} shift ${s}: ${out[j * shifts + s]} vs gather + shiftedDots ${one[s]}`);
          let ref = 0;
          let mag = 0;
          for (let p = 0; p < rows; p++) {
            for (let q = 0; q < n; q++) {
              const v = x[(rowStart[j] + s + p) * ld + cols[colStart[j] + q]] * w[j][p * n + q];
              ref += v;
              mag += Math.abs(v);
            }
          }
          assert.ok(Math.abs(out[j * shifts + s] - ref) <= 1e-13 * mag, `${name} item ${j} shift ${s}: ${out[j * shifts + s]} vs float64 loop ${ref}`);
        }
      }
    }
  }
});

test('gatheredShiftedDots gives each of several items over the same rows and columns its own scores', () => {
  // The sub-sample refinement's shape: one gathered block (reused inside the module) for copies of one template.
  for (const [name, k] of backends()) {
    const { x, rowStart, colStart, cols, w } = problem(77, 40, 33, 2, 1);
    const n = colStart[1];
    const copies = 3;
    const same = Int32Array.from({ length: copies * n }, (_, i) => cols[i % n]);
    const starts = Int32Array.from({ length: copies + 1 }, (_, j) => j * n);
    const ws = [w[0], randomArray(33 * n, 5), randomArray(33 * n, 6)];
    const out = new Float64Array(copies * 2);
    k.gatheredShiftedDots(x, 40, 33, 2, copies, new Int32Array(copies).fill(rowStart[0]), starts, same, ws, out);
    for (let j = 0; j < copies; j++) {
      const one = new Float64Array(2);
      k.gatheredShiftedDots(x, 40, 33, 2, 1, rowStart, colStart, cols, [ws[j]], one);
      assert.ok(Object.is(out[2 * j], one[0]) && Object.is(out[2 * j + 1], one[1]), `${name} copy ${j}: ${out[2 * j]}, ${out[2 * j + 1]} vs alone ${one[0]}, ${one[1]}`);
    }
  }
});

test('gatheredShiftedDots rejects columns and rows outside the block with a message naming them', () => {
  for (const [name, k] of backends()) {
    const x = new Float32Array(4 * 5);
    const w = [new Float32Array(2 * 2)];
    const out = new Float64Array(2);
    assert.throws(() => k.gatheredShiftedDots(x, 5, 2, 2, 1, Int32Array.of(0), Int32Array.of(0, 2), Int32Array.of(1, 5), w, out), /column 5 is outside the block's 5 columns/, name);
    assert.throws(() => k.gatheredShiftedDots(x, 5, 2, 2, 1, Int32Array.of(2), Int32Array.of(0, 2), Int32Array.of(1, 4), w, out), /reads rows \[2, 5\) of a block with 4 rows/, name);
    assert.throws(() => k.gatheredShiftedDots(x, 5, 2, 2, 1, Int32Array.of(0), Int32Array.of(0, 2), Int32Array.of(1, 4), w, new Float64Array(1)), /out has 1 values/, name);
  }
});
