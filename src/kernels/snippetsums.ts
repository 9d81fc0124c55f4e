/**
 * Column sums of a row-major float32 block over all rows and over its even and its odd rows (the merge
 * test's mean snippets: one row per spike). The TS reference of Kernels.snippetSums: each sum is taken in
 * row order in float64, which every backend keeps, so all give these bits.
 */

/** Checks snippetSums' shapes; shared with the WASM backend. */
export function checkSnippetSums(x: Float32Array, rows: number, width: number, all: Float64Array, even: Float64Array, odd: Float64Array): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(width) || width < 0) throw new Error(`snippetSums: rows = ${rows} and width = ${width} must be non-negative integers`);
  if (x.length < rows * width) throw new Error(`snippetSums: x holds ${x.length} values, fewer than ${rows} rows of ${width}`);
  if (all.length < width || even.length < width || odd.length < width) throw new Error(`snippetSums: all, even and odd must hold ${width} values`);
}

/** all[k], even[k], odd[k] = Σ x[i·width + k] over all rows i, the even i and the odd i (overwritten). */
export function snippetSumsTS(x: Float32Array, rows: number, width: number, all: Float64Array, even: Float64Array, odd: Float64Array): void {
  checkSnippetSums(x, rows, width, all, even, odd);
  all.fill(0, 0, width);
  even.fill(0, 0, width);
  odd.fill(0, 0, width);
  for (let i = 0; i < rows; i++) {
    const base = i * width;
    const half = i % 2 ? odd : even;
    for (let k = 0; k < width; k++) {
      const v = x[base + k];
      all[k] += v;
      half[k] += v;
    }
  }
}
