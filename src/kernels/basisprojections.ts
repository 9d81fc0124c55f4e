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

/** A basis (k components × len samples) transposed to len × k, made once per basis array (a learned basis never changes). */
const transposed = new WeakMap<Float32Array, Float32Array>();

export function basisByRow(components: Float32Array, k: number, len: number): Float32Array {
  let t = transposed.get(components);
  if (!t || t.length !== k * len) {
    t = new Float32Array(k * len);
    for (let r = 0; r < k; r++) for (let p = 0; p < len; p++) t[p * k + r] = components[r * len + p];
    transposed.set(components, t);
  }
  return t;
}

/**
 * The projection loop both layouts share: out[offset + j·jStride + r·rStride] = Σ_{p<len} byRow[p·k + r] ·
 * x[(row0 + p)·ld + cols[j]]. Four components per sweep down the snippet, so each sample is read once for
 * all four; each sum still adds its products in sample order (float64, from 0), as one dot per component would.
 */
export function projectColumns(x: Float32Array, ld: number, row0: number, cols: Int32Array, byRow: Float32Array, k: number, len: number, out: Float32Array, offset: number, jStride: number, rStride: number): void {
  const first = row0 * ld;
  for (let j = 0; j < cols.length; j++) {
    const x0 = first + cols[j];
    const o = offset + j * jStride;
    let r = 0;
    for (; r + 4 <= k; r += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0, at = x0, b = r; p < len; p++, at += ld, b += k) {
        const v = x[at];
        s0 += byRow[b] * v;
        s1 += byRow[b + 1] * v;
        s2 += byRow[b + 2] * v;
        s3 += byRow[b + 3] * v;
      }
      out[o + r * rStride] = s0;
      out[o + (r + 1) * rStride] = s1;
      out[o + (r + 2) * rStride] = s2;
      out[o + (r + 3) * rStride] = s3;
    }
    for (; r < k; r++) {
      let s0 = 0;
      for (let p = 0, at = x0, b = r; p < len; p++, at += ld, b += k) s0 += byRow[b] * x[at];
      out[o + r * rStride] = s0;
    }
  }
}

/** The reference: projectColumns into the component-major layout. */
export function basisProjectionsTS(x: Float32Array, ld: number, row0: number, cols: Int32Array, basis: Float32Array, k: number, len: number, out: Float32Array, outStride: number): void {
  checkBasisProjections(x, ld, row0, cols, basis, k, len, out, outStride);
  projectColumns(x, ld, row0, cols, basisByRow(basis, k, len), k, len, out, 0, 1, outStride);
}
