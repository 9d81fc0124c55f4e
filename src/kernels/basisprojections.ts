/**
 * Projections of a snippet of a time-major block on a temporal basis, channel by channel (template matching's
 * per-spike PC features): out[r·outStride + j] = Σ_{p<len} basis[r·len + p] · x[(row0 + p)·ld + cols[j]], summed
 * in float64 in p order and stored as float32, for r < k, j < cols.length; other entries of out are left as they are.
 */

/** Throws unless the snippet's rows × columns lie inside x and the projections fit in out. */
export function checkBasisProjections(x: Float32Array, ld: number, row0: number, cols: Int32Array, basis: Float32Array, k: number, len: number, out: Float32Array, outStride: number): void {
  for (const [name, v] of [['ld', ld], ['row0', row0], ['k', k], ['len', len], ['outStride', outStride]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`basisProjections: ${name} = ${v} must be a non-negative integer`);
  }
  const m = cols.length;
  if (m > outStride) throw new Error(`basisProjections: ${m} columns do not fit an output stride of ${outStride}`);
  if (basis.length < k * len) throw new Error(`basisProjections: the basis has ${basis.length} values, ${k} components × ${len} need ${k * len}`);
  if (k > 0 && m > 0 && out.length < (k - 1) * outStride + m) throw new Error(`basisProjections: out has ${out.length} values, too few for ${k} components × stride ${outStride}`);
  if (len > 0 && m > 0 && (row0 + len) * ld > x.length) throw new Error(`basisProjections: rows [${row0}, ${row0 + len}) lie outside a block of ${ld > 0 ? Math.floor(x.length / ld) : 0} rows`);
  for (let j = 0; j < m; j++) {
    if (!(cols[j] >= 0 && cols[j] < ld)) throw new Error(`basisProjections: column ${cols[j]} is outside the block's ${ld} columns`);
  }
}

let snippet = new Float32Array(0);

/** The reference: the snippet is copied out row by row first (x is time-major), then each projection adds its terms in row order. */
export function basisProjectionsTS(x: Float32Array, ld: number, row0: number, cols: Int32Array, basis: Float32Array, k: number, len: number, out: Float32Array, outStride: number): void {
  checkBasisProjections(x, ld, row0, cols, basis, k, len, out, outStride);
  const m = cols.length;
  if (snippet.length < len * m) snippet = new Float32Array(len * m);
  for (let p = 0; p < len; p++) {
    const row = (row0 + p) * ld;
    for (let j = 0; j < m; j++) snippet[p * m + j] = x[row + cols[j]];
  }
  for (let r = 0; r < k; r++) {
    const base = r * len;
    const to = r * outStride;
    let j = 0;
    // Four channels at a time: four independent chains of additions instead of one.
    for (; j + 4 <= m; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < len; p++) {
        const weight = basis[base + p];
        const at = p * m + j;
        s0 += weight * snippet[at];
        s1 += weight * snippet[at + 1];
        s2 += weight * snippet[at + 2];
        s3 += weight * snippet[at + 3];
      }
      out[to + j] = s0;
      out[to + j + 1] = s1;
      out[to + j + 2] = s2;
      out[to + j + 3] = s3;
    }
    for (; j < m; j++) {
      let s = 0;
      for (let p = 0; p < len; p++) s += basis[base + p] * snippet[p * m + j];
      out[to + j] = s;
    }
  }
}
