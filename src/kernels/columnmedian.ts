/** Per-column medians of a row-major block (templates: the median snippet over a unit's spikes). */
import { medianInPlace, quickselect } from './median.js';

/** Columns transposed together: one sweep over the rows fills all of them (also the WASM kernel's block). */
export const COLUMN_MEDIAN_BLOCK = 64;

/** Throws unless x holds rows × cols values and out holds cols. */
export function checkColumnMedians(x: Float32Array, rows: number, cols: number, out: Float64Array): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(`columnMedians: rows = ${rows}, cols = ${cols} must be non-negative integers`);
  }
  if (x.length < rows * cols) throw new Error(`columnMedians: x has ${x.length} values, fewer than ${rows} rows × ${cols} columns`);
  if (out.length < cols) throw new Error(`columnMedians: out has ${out.length} values, fewer than ${cols} columns`);
}

/**
 * out[j] = median over i < rows of x[i · cols + j], as numpy defines it (the mean of the two middle
 * values in float64 for an even count); NaN when rows = 0.
 */
export function columnMediansTS(x: Float32Array, rows: number, cols: number, out: Float64Array): void {
  checkColumnMedians(x, rows, cols, out);
  if (rows === 0) {
    out.fill(NaN, 0, cols);
    return;
  }
  const buf = new Float32Array(COLUMN_MEDIAN_BLOCK * rows);
  for (let j0 = 0; j0 < cols; j0 += COLUMN_MEDIAN_BLOCK) {
    const nj = Math.min(COLUMN_MEDIAN_BLOCK, cols - j0);
    for (let i = 0; i < rows; i++) {
      const s = i * cols + j0;
      for (let j = 0; j < nj; j++) buf[j * rows + i] = x[s + j];
    }
    for (let j = 0; j < nj; j++) out[j0 + j] = medianInPlace(buf.subarray(j * rows, (j + 1) * rows), rows);
  }
}

/** Throws unless x holds rows × cols int16 values and lo, hi hold cols each. */
export function checkColumnMiddleInt16(x: Int16Array, rows: number, cols: number, lo: Int32Array, hi: Int32Array): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(`columnMiddleInt16: rows = ${rows} must be a positive integer and cols = ${cols} a non-negative one`);
  }
  if (x.length < rows * cols) throw new Error(`columnMiddleInt16: x has ${x.length} values, fewer than ${rows} rows × ${cols} columns`);
  if (lo.length < cols || hi.length < cols) throw new Error(`columnMiddleInt16: lo/hi hold ${lo.length}/${hi.length} values, fewer than ${cols} columns`);
}

/**
 * lo[j], hi[j] = the values of rank (rows − 1) >> 1 and rows >> 1 of column j of x (rows × cols, row-major):
 * the two middle values (equal for an odd count). Integers have one order and no signed zero, so a median
 * of any monotonic per-column transform of x is taken from them exactly (templates on the int16 cache).
 */
export function columnMiddleInt16TS(x: Int16Array, rows: number, cols: number, lo: Int32Array, hi: Int32Array): void {
  checkColumnMiddleInt16(x, rows, cols, lo, hi);
  const h = rows >> 1;
  // float64 holds every int16 exactly; quickselect works on float arrays.
  const buf = new Float64Array(COLUMN_MEDIAN_BLOCK * rows);
  for (let j0 = 0; j0 < cols; j0 += COLUMN_MEDIAN_BLOCK) {
    const nj = Math.min(COLUMN_MEDIAN_BLOCK, cols - j0);
    for (let i = 0; i < rows; i++) {
      const s = i * cols + j0;
      for (let j = 0; j < nj; j++) buf[j * rows + i] = x[s + j];
    }
    for (let j = 0; j < nj; j++) {
      const col = buf.subarray(j * rows, (j + 1) * rows);
      const upper = quickselect(col, rows, h);
      let lower = upper;
      if (rows % 2 === 0) {
        // After selecting rank h every value in col[0..h) is at most it: the lower middle is their maximum.
        lower = col[0];
        for (let i = 1; i < h; i++) lower = Math.max(lower, col[i]);
      }
      lo[j0 + j] = lower;
      hi[j0 + j] = upper;
    }
  }
}
