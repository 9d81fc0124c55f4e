/**
 * Temporal-basis projections of snippets of int16 steps in noise units (detection's features on the trace
 * cache): the values of projectSnippet on the normalizeInt16 window, without that window being made.
 */

/** Validates stepsProjections' arguments. */
export function checkStepsProjections(
  q: Int16Array, nc: number, gain: Float64Array, scale: Float32Array, rows: Int32Array, chanStart: Int32Array, chans: Int32Array,
  byRow: Float32Array, k: number, len: number, out: Float32Array, dim: number,
): void {
  if (!Number.isInteger(nc) || nc <= 0) throw new Error(`stepsProjections: numChannels = ${nc} must be a positive integer`);
  if (q.length % nc !== 0) throw new Error(`stepsProjections: ${q.length} steps is not a multiple of ${nc} channels`);
  if (gain.length < nc || scale.length < nc) throw new Error(`stepsProjections: ${gain.length} gains and ${scale.length} scales for ${nc} channels`);
  if (chanStart.length !== rows.length + 1) throw new Error(`stepsProjections: ${chanStart.length} channel offsets for ${rows.length} snippets (need one more)`);
  if (!Number.isInteger(k) || !Number.isInteger(len) || k < 0 || len < 0 || byRow.length < k * len) throw new Error(`stepsProjections: the basis holds ${byRow.length} values, not ${len} rows × ${k} components`);
  if (out.length < rows.length * dim) throw new Error(`stepsProjections: out holds ${out.length} values, need ${rows.length} × ${dim}`);
  const numRows = q.length / nc;
  for (let i = 0; i < rows.length; i++) {
    const a = chanStart[i];
    const b = chanStart[i + 1];
    if (!(a >= 0 && a <= b && b <= chans.length) || (b - a) * k > dim) throw new Error(`stepsProjections: snippet ${i} has channels [${a}, ${b}) of ${chans.length}, or more than ${dim} / ${k} of them`);
    if (!(rows[i] >= 0 && rows[i] + len <= numRows)) throw new Error(`stepsProjections: snippet ${i} rows [${rows[i]}, ${rows[i] + len}) lie outside the ${numRows} rows`);
    for (let j = a; j < b; j++) if (!(chans[j] >= 0 && chans[j] < nc)) throw new Error(`stepsProjections: channel ${chans[j]} of snippet ${i} is not in 0..${nc - 1}`);
  }
}

/**
 * out[i · dim + j · k + r] = Σ_{p<len} byRow[p · k + r] · v(rows[i] + p, c_j) summed in float64 in p order and
 * stored as float32 (the rest of each snippet's dim values 0), with v(t, c) = fround(fround(q[t · nc + c] · gain[c]) · scale[c]) and c_j = chans[chanStart[i] + j].
 */
export function stepsProjectionsTS(
  q: Int16Array, nc: number, gain: Float64Array, scale: Float32Array, rows: Int32Array, chanStart: Int32Array, chans: Int32Array,
  byRow: Float32Array, k: number, len: number, out: Float32Array, dim: number,
): void {
  checkStepsProjections(q, nc, gain, scale, rows, chanStart, chans, byRow, k, len, out, dim);
  out.fill(0, 0, rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    for (let j = chanStart[i]; j < chanStart[i + 1]; j++) {
      const c = chans[j];
      const o = i * dim + (j - chanStart[i]) * k;
      for (let r = 0; r < k; r++) {
        let s = 0;
        for (let p = 0; p < len; p++) s += byRow[p * k + r] * Math.fround(Math.fround(q[(rows[i] + p) * nc + c] * gain[c]) * scale[c]);
        out[o + r] = s;
      }
    }
  }
}
