/**
 * columnMedians (templates' median snippet) against a median written here by sorting each column:
 * both backends must give numpy's median exactly (a value of the data, or the float64 mean of the two
 * middle ones), and the same bits as each other, zero signs included. The WASM module is checked when built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function sortedMedian(x: Float32Array, rows: number, cols: number, j: number): number {
  const col = Array.from({ length: rows }, (_, i) => x[i * cols + j]).sort((a, b) => a - b);
  const h = rows >> 1;
  return rows % 2 ? col[h] : (col[h - 1] + col[h]) / 2;
}

function backends(): Array<[string, Kernels]> {
  return kernelBackends();
}

/** Random columns, some quantised to a few levels (ties, and zeros of both signs). */
function block(rows: number, cols: number, seed: number): Float32Array {
  const x = randomArray(rows * cols, seed);
  for (let i = 0; i < x.length; i++) if ((i % cols) % 3 === 0) x[i] = Math.round(x[i] * 2) / 2 || (i % 2 ? -0 : 0);
  return x;
}

test('columnMedians equals the sorted-column median for odd, even and single row counts, over several column blocks', () => {
  // cols beyond one 64-column block and not a multiple of it; rows 1, 2, odd and even.
  const shapes = [[1, 5], [2, 7], [3, 64], [300, 3 * 96], [301, 130], [64, 1]];
  for (const [label, k] of backends()) {
    let seed = 11;
    for (const [rows, cols] of shapes) {
      const x = block(rows, cols, seed++);
      const before = Float32Array.from(x);
      const out = new Float64Array(cols + 1).fill(-7);
      k.columnMedians(x, rows, cols, out);
      for (let j = 0; j < cols; j++) assert.equal(out[j], sortedMedian(x, rows, cols, j), `${label} ${rows}×${cols} column ${j}`);
      assert.equal(out[cols], -7, `${label}: wrote past cols`);
      assert.deepEqual(x, before, `${label}: input modified`);
    }
  }
});

test('columnMedians backends agree bit for bit (zero signs included)', () => {
  const all = backends();
  if (all.length < 2) return;
  const [[, ts], [, wasm]] = all;
  for (const [rows, cols, seed] of [[40, 200, 5], [41, 70, 6]]) {
    const x = block(rows, cols, seed);
    const a = new Float64Array(cols);
    const b = new Float64Array(cols);
    ts.columnMedians(x, rows, cols, a);
    wasm.columnMedians(x, rows, cols, b);
    assert.deepEqual(new Uint8Array(b.buffer), new Uint8Array(a.buffer));
  }
});

test('columnMedians: NaN for zero rows, nothing for zero columns, and a clear error for a short input', () => {
  for (const [label, k] of backends()) {
    const out = new Float64Array(3);
    k.columnMedians(new Float32Array(0), 0, 3, out);
    assert.ok(out.every((v) => Number.isNaN(v)), label);
    k.columnMedians(new Float32Array(0), 4, 0, new Float64Array(0));
    assert.throws(() => k.columnMedians(new Float32Array(5), 2, 3, new Float64Array(3)), /columnMedians: x has 5 values, fewer than 2 rows × 3 columns/, label);
  }
});
