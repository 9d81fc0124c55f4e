/**
 * columnMiddleInt16 (medians of int16 snippets) against the two middle values of each column sorted here:
 * ranks (rows − 1) >> 1 and rows >> 1. Both backends are checked (WASM when built), on wide and narrow
 * value ranges (many ties), the int16 extremes, several 64-column blocks, and odd, even and single rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function sortedMiddles(x: Int16Array, rows: number, cols: number, j: number): [number, number] {
  const col = Array.from({ length: rows }, (_, i) => x[i * cols + j]).sort((a, b) => a - b);
  return [col[(rows - 1) >> 1], col[rows >> 1]];
}

/** Random int16 columns: every third one spans only a few steps (ties), some hold the int16 extremes. */
function block(rows: number, cols: number, seed: number): Int16Array {
  const r = randomArray(rows * cols, seed);
  return Int16Array.from(r, (v, i) => {
    const j = i % cols;
    if (j % 3 === 0) return Math.round(v * 2);
    if (j % 7 === 1) return v > 0.5 ? 32767 : v < -0.5 ? -32768 : Math.round(v * 100);
    return Math.max(-32768, Math.min(32767, Math.round(v * 9000)));
  });
}

test('columnMiddleInt16 gives the two middle values of each sorted column, odd, even and single row counts', () => {
  const shapes = [[1, 5], [2, 7], [3, 64], [300, 3 * 96], [301, 130], [64, 1], [1200, 70]];
  for (const [label, k] of kernelBackends()) {
    let seed = 21;
    for (const [rows, cols] of shapes) {
      const x = block(rows, cols, seed++);
      const before = Int16Array.from(x);
      const lo = new Int32Array(cols + 1).fill(-7);
      const hi = new Int32Array(cols + 1).fill(-7);
      k.columnMiddleInt16(x, rows, cols, lo, hi);
      for (let j = 0; j < cols; j++) assert.deepEqual([lo[j], hi[j]], sortedMiddles(x, rows, cols, j), `${label} ${rows}×${cols} column ${j}`);
      assert.equal(lo[cols], -7, `${label}: wrote past cols`);
      assert.equal(hi[cols], -7, `${label}: wrote past cols`);
      assert.deepEqual(x, before, `${label}: input modified`);
    }
  }
});

test('columnMiddleInt16 on constant and sorted columns (the pivot choice must not go quadratic or wrong)', () => {
  const rows = 2000;
  const cols = 3;
  const x = new Int16Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    x[i * cols] = 5;
    x[i * cols + 1] = i - 1000;
    x[i * cols + 2] = 1000 - i;
  }
  for (const [label, k] of kernelBackends()) {
    const lo = new Int32Array(cols);
    const hi = new Int32Array(cols);
    k.columnMiddleInt16(x, rows, cols, lo, hi);
    assert.deepEqual([...lo], [5, -1, 0], label);
    assert.deepEqual([...hi], [5, 0, 1], label);
  }
});

test('columnMiddleInt16: nothing for zero columns, clear errors for zero rows and a short input', () => {
  for (const [label, k] of kernelBackends()) {
    k.columnMiddleInt16(new Int16Array(0), 4, 0, new Int32Array(0), new Int32Array(0));
    assert.throws(() => k.columnMiddleInt16(new Int16Array(0), 0, 3, new Int32Array(3), new Int32Array(3)), /columnMiddleInt16: rows = 0 must be a positive integer/, label);
    assert.throws(() => k.columnMiddleInt16(new Int16Array(5), 2, 3, new Int32Array(3), new Int32Array(3)), /columnMiddleInt16: x has 5 values, fewer than 2 rows × 3 columns/, label);
  }
});
