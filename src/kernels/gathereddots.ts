/**
 * Several templates scored at neighbouring alignments against one block holding the union of their
 * channels: out[j·shifts + s] = Σ_{p<rows} Σ_{q<n_j} x[(rowStart[j] + s + p)·ld + cols[colStart[j] + q]] · w[j][p·n_j + q],
 * n_j = colStart[j+1] − colStart[j]. Each item is summed exactly as shiftedDots sums its gathered block.
 */
import { shiftedDotsTS } from './shifteddots.js';

/** Throws unless every item's rows and columns lie inside x and its template and the output fit. */
export function checkGatheredShiftedDots(
  x: Float32Array, ld: number, rows: number, shifts: number, count: number,
  rowStart: Int32Array, colStart: Int32Array, cols: Int32Array, w: Float32Array[], out: Float64Array,
): void {
  for (const [name, v] of [['ld', ld], ['rows', rows], ['shifts', shifts], ['count', count]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gatheredShiftedDots: ${name} = ${v} must be a non-negative integer`);
  }
  if (rowStart.length < count || colStart.length < count + 1 || w.length < count) {
    throw new Error(`gatheredShiftedDots: ${count} items need rowStart (${rowStart.length}), w (${w.length}) of at least ${count} and colStart (${colStart.length}) of ${count + 1}`);
  }
  if (out.length < count * shifts) throw new Error(`gatheredShiftedDots: out has ${out.length} values, fewer than ${count} items × ${shifts} shifts`);
  if (count > 0 && (colStart[0] < 0 || colStart[count] > cols.length)) throw new Error(`gatheredShiftedDots: colStart spans [${colStart[0]}, ${colStart[count]}), outside cols (${cols.length} values)`);
  for (let j = 0; j < count; j++) {
    const n = colStart[j + 1] - colStart[j];
    if (n < 0) throw new Error(`gatheredShiftedDots: colStart must not decrease (item ${j})`);
    if (w[j].length < rows * n) throw new Error(`gatheredShiftedDots: item ${j}'s template has ${w[j].length} values, ${rows} rows × ${n} channels need ${rows * n}`);
    const end = rowStart[j] + rows + shifts - 1;
    if (rowStart[j] < 0 || (shifts > 0 && end * ld > x.length)) throw new Error(`gatheredShiftedDots: item ${j} reads rows [${rowStart[j]}, ${end}) of a block with ${ld > 0 ? Math.floor(x.length / ld) : 0} rows`);
  }
  for (let i = colStart[0]; count > 0 && i < colStart[count]; i++) {
    if (!(cols[i] >= 0 && cols[i] < ld)) throw new Error(`gatheredShiftedDots: column ${cols[i]} is outside the block's ${ld} columns`);
  }
}

/** The reference: gathers each item's block, then shiftedDotsTS. */
export function gatheredShiftedDotsTS(
  x: Float32Array, ld: number, rows: number, shifts: number, count: number,
  rowStart: Int32Array, colStart: Int32Array, cols: Int32Array, w: Float32Array[], out: Float64Array,
): void {
  checkGatheredShiftedDots(x, ld, rows, shifts, count, rowStart, colStart, cols, w, out);
  if (shifts === 0) return;
  const span = rows + shifts - 1;
  let widest = 0;
  for (let j = 0; j < count; j++) widest = Math.max(widest, colStart[j + 1] - colStart[j]);
  const block = new Float32Array(span * widest);
  const scores = new Float64Array(shifts);
  for (let j = 0; j < count; j++) {
    const c0 = colStart[j];
    const n = colStart[j + 1] - c0;
    for (let p = 0; p < span; p++) {
      const row = (rowStart[j] + p) * ld;
      for (let q = 0; q < n; q++) block[p * n + q] = x[row + cols[c0 + q]];
    }
    shiftedDotsTS(block, w[j], rows * n, n, shifts, scores);
    out.set(scores, j * shifts);
  }
}
