/**
 * Kernels.snippetSums on every backend against column sums written here (row by row, in row order: the
 * same bits), over all, even and odd rows, for odd and even widths and row counts, and no rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';

test('snippetSums gives the row-order column sums bit for bit on every backend', () => {
  for (const [rows, width] of [[0, 4], [1, 1], [2, 3], [7, 1224], [300, 97], [301, 2]]) {
    const x = randomArray(rows * width + 3, rows + width);
    for (let i = 0; i < x.length; i += 7) x[i] *= 1e4;
    const want = [new Float64Array(width), new Float64Array(width), new Float64Array(width)];
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < width; k++) {
        want[0][k] += x[i * width + k];
        want[1 + (i % 2)][k] += x[i * width + k];
      }
    }
    for (const [name, kern] of kernelBackends()) {
      const got = [new Float64Array(width + 1).fill(-7), new Float64Array(width + 1).fill(-7), new Float64Array(width + 1).fill(-7)];
      kern.snippetSums(x, rows, width, got[0], got[1], got[2]);
      ['all', 'even', 'odd'].forEach((label, s) => {
        for (let k = 0; k < width; k++) assert.ok(Object.is(got[s][k], want[s][k]), `${name} ${rows}×${width} ${label} ${k}: ${got[s][k]} vs ${want[s][k]}`);
        assert.equal(got[s][width], -7, `${name}: wrote past width`);
      });
    }
  }
  for (const [, kern] of kernelBackends()) {
    assert.throws(() => kern.snippetSums(new Float32Array(5), 2, 3, new Float64Array(3), new Float64Array(3), new Float64Array(3)), /5 values, fewer than 2 rows of 3/);
  }
});
