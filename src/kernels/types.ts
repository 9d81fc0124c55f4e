/**
 * The numerical kernels every algorithm calls through getKernels(): the hot loops of preprocessing and
 * sorting, kept behind one small interface so a WASM SIMD or WebGPU backend can replace the plain-TS
 * reference without touching algorithm code. All arrays are row-major / time-major typed arrays.
 */
import type { FilterReferenceQuantizeJob, FilterReferenceQuantizeResult } from './filterreferencequantize.js';

export interface Kernels {
  readonly name: string;

  /**
   * Filters a time-major block x (numSamples × numChannels) in place along time through second-order
   * sections (transposed direct form II), all channels at once.
   * sos: numSections × 6 rows [b0 b1 b2 a0 a1 a2] with a0 = 1.
   * state: numSections × 2 × numChannels (section s, delay d, channel c at (s*2 + d)*numChannels + c);
   * read as the initial conditions and updated to the final ones, so consecutive blocks can be chained.
   * backward: run from the last sample to the first (the second pass of a zero-phase filter).
   * Precision: the TS reference computes in float64; WASM in float32 (about 1e-5 of the output range for a
   * 300 Hz high-pass at 30 kHz), the same for any channel count and block split.
   */
  sosfilt(sos: Float64Array, x: Float32Array, numChannels: number, state: Float64Array, backward: boolean): void;

  /**
   * A whole filter read (kernels/sosfiltfilt.ts): x (float32 µV, or int16 steps with µV = fround(step · gain[c]))
   * filtered forward and, when zeroPhase, backward, each pass from zi (steady-state delays for a unit input,
   * numSections × 2) times the first row it meets; out receives rows [fromRow, fromRow + out.length / numChannels).
   * x is not modified. The same numbers as dequantizeInt16 and two sosfilt calls.
   */
  sosfiltfilt(
    sos: Float64Array, zi: Float64Array, x: Float32Array | Int16Array, numChannels: number, gain: Float64Array | null, zeroPhase: boolean, out: Float32Array, fromRow: number,
  ): void;

  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major float32; op(X) = Xᵀ when trans is true.
   * op(A) is m × k, op(B) is k × n, C is m × n. lda/ldb/ldc are the row strides of the stored matrices.
   * beta = 0 overwrites C (NaN in C is not propagated).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
  ): void;

  /**
   * For every time step t of a time-major block, out[t * outStride + outOffset] = median over the channels
   * in `subset` of x[t * numChannels + c] (the mean of the two middle values for an even count, as numpy).
   */
  medianAcrossChannels(
    x: Float32Array, numChannels: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
  ): void;

  /**
   * As medianAcrossChannels, but each row's median leaves out the channels that lie beyond `clip` of their
   * row's plain median anywhere within `back` rows before to `fwd` rows after it (the window clamped to
   * the block): channels carrying a large spike. See kernels/median.ts clippedMedianAcrossChannelsTS.
   */
  clippedMedianAcrossChannels(
    x: Float32Array, numChannels: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
    clip: number, back: number, fwd: number,
  ): void;

  /** acc (numChannels × numChannels, float64) += Xᵀ X for a time-major block X (numSamples × numChannels). */
  accumulateCovariance(x: Float32Array, numChannels: number, acc: Float64Array): void;

  /**
   * 'valid' cross-correlation of every channel with each of a few short filters:
   * out[(f * nOut + t) * numChannels + c] = Σ_j x[(t + j) * numChannels + c] · filters[f * taps + j],
   * with nOut = numSamples − taps + 1.
   */
  correlateChannels(x: Float32Array, numChannels: number, filters: Float32Array, taps: number, out: Float32Array): void;

  /**
   * Dot products of w with `shifts` windows of x spaced `stride` apart, in float64:
   * out[s] = Σ_{i<n} x[s · stride + i] · w[i]. Template matching scores a template at neighbouring
   * alignments this way (x: the residual rows around a peak on the template's channels, stride one row).
   */
  shiftedDots(x: Float32Array, w: Float32Array, n: number, stride: number, shifts: number, out: Float64Array): void;

  /**
   * shiftedDots for `count` templates at once against one time-major block x (ld columns) holding the union
   * of their channels: out[j·shifts + s] = Σ_{p<rows} Σ_{q<n_j} x[(rowStart[j] + s + p)·ld + cols[colStart[j] + q]]
   * · w[j][p·n_j + q], n_j = colStart[j+1] − colStart[j]; each item equals gathering its rows × channels and
   * calling shiftedDots, bit for bit (template matching gathers the residual once per peak this way).
   */
  gatheredShiftedDots(
    x: Float32Array, ld: number, rows: number, shifts: number, count: number,
    rowStart: Int32Array, colStart: Int32Array, cols: Int32Array, w: Float32Array[], out: Float64Array,
  ): void;

  /**
   * x[(start+p)·ld + cols[q]] −= a · w[p·n + q] and, when variance is given (same shape as x), variance[same]
   * += (k · w[p·n + q]) · w[p·n + q], for p < rows, q < n = cols.length; each in float64, stored as float32
   * (template matching subtracts a fitted spike and adds the error variance it leaves in one call).
   */
  subtractTemplate(x: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array, a: number, variance: Float32Array | null, k: number): void;

  /**
   * Σ_{p<rows} Σ_{q<n} (w[p·n + q]²) · max(0, variance[(start+p)·ld + cols[q]]), n = cols.length, in float64 and
   * in that order (template matching: the error variance left by earlier fits under a template window).
   */
  weightedVariance(variance: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array): number;

  /**
   * out[r·outStride + j] = Σ_{p<len} basis[r·len + p] · x[(row0 + p)·ld + cols[j]] for r < k, j < cols.length, summed
   * in float64 in p order and stored as float32; the rest of out is left as it is (template matching's PC features).
   */
  basisProjections(x: Float32Array, ld: number, row0: number, cols: Int32Array, basis: Float32Array, k: number, len: number, out: Float32Array, outStride: number): void;

  /**
   * int16 encoding of a time-major float32 block: out = floor(x · invGain[c] + 0.5) in float64, clipped to
   * ±32767 (NaN → 0). Returns the number of clipped values.
   */
  quantizeInt16(x: Float32Array, numChannels: number, invGain: Float64Array, out: Int16Array): number;

  /**
   * quantizeInt16 of x[t, c] − rowRef[t] (float32 difference), x not modified: a global common reference
   * subtracted and encoded in one pass (the trace cache). Same values as subtracting, then quantizeInt16.
   */
  quantizeInt16RowRef(x: Float32Array, numChannels: number, rowRef: Float32Array, invGain: Float64Array, out: Int16Array): number;

  /** out = q · gain[c], the float64 product rounded to float32 (a scaled read of int16 data). */
  dequantizeInt16(q: Int16Array, numChannels: number, gain: Float64Array, out: Float32Array): void;

  /** out = x · scale[c] in float32, for a time-major block (noise normalisation). out may be x. */
  scaleChannels(x: Float32Array, numChannels: number, scale: Float32Array, out: Float32Array): void;

  /**
   * out[j] = median over rows i of x[i · cols + j] (a row-major rows × cols block), as numpy defines it:
   * the mean of the two middle values, in float64, for an even count; NaN when rows = 0.
   */
  columnMedians(x: Float32Array, rows: number, cols: number, out: Float64Array): void;

  /**
   * lo[j], hi[j] = the values of rank (rows − 1) >> 1 and rows >> 1 of column j of x (row-major rows × cols
   * int16, rows ≥ 1): the two middle values, equal for an odd count (medians of int16 snippets).
   */
  columnMiddleInt16(x: Int16Array, rows: number, cols: number, lo: Int32Array, hi: Int32Array): void;

  /**
   * Ascending indices i of x with x[i] ≤ lo or x[i] ≥ hi, compared in float64; a NaN bound matches nothing
   * (peak detection's threshold scan).
   */
  thresholdCrossings(x: Float32Array, lo: number, hi: number): Int32Array;

  /**
   * The matched filter's threshold scan without its full output: y = correlateChannels(x, one filter) ·
   * scale[c] (float32, as scaleChannels), and the ascending flat indices t · numChannels + c of the y ≤ lo
   * or ≥ hi (thresholdCrossings' rule) with their y. Every backend gives what its own three kernels give.
   */
  correlationCrossings(x: Float32Array, numChannels: number, filter: Float32Array, scale: Float32Array, lo: number, hi: number): CorrelationCrossings;

  /** out = fround(fround(q · gain[c]) · scale[c]): dequantizeInt16 then scaleChannels in one pass. out must not be q. */
  normalizeInt16(q: Int16Array, numChannels: number, gain: Float64Array, scale: Float32Array, out: Float32Array): void;

  /**
   * correlationCrossings of the block normalizeInt16(q, numChannels, gain, normScale) would give, without that
   * float32 block being made in full (detection on the int16 trace cache): the same crossings and values
   * as those two kernels of the same backend, bit for bit. kernels/int16crossings.ts is the reference.
   */
  int16CorrelationCrossings(
    q: Int16Array, numChannels: number, gain: Float64Array, normScale: Float32Array, filter: Float32Array, scale: Float32Array, lo: number, hi: number,
  ): CorrelationCrossings;

  /**
   * Temporal-basis projections of snippets of int16 steps in noise units (fround(fround(q · gain[c]) · scale[c]),
   * as normalizeInt16): out[i · dim + j · k + r] = Σ_{p<len} byRow[p · k + r] · v(rows[i] + p, chans[chanStart[i] + j]),
   * float64 in p order, stored as float32; a snippet's other values up to dim are 0. projectSnippet's values on the
   * normalised window, bit for bit (byRow: the basis transposed, len × k). kernels/stepsprojections.ts is the reference.
   */
  stepsProjections(
    q: Int16Array, numChannels: number, gain: Float64Array, scale: Float32Array, rows: Int32Array, chanStart: Int32Array, chans: Int32Array,
    byRow: Float32Array, k: number, len: number, out: Float32Array, dim: number,
  ): void;

  /**
   * Ascending indices i of a time-major int16 block with steps[i] ≤ below[c] or steps[i] ≥ above[c],
   * c = i mod numChannels (the motion peaks' threshold scan on the trace cache's steps).
   */
  stepCrossings(steps: Int16Array, numChannels: number, below: Int32Array, above: Int32Array): Int32Array;

  /**
   * Cyclic Jacobi sweeps of the symmetric eigensolver, in place: up to maxSweeps sweeps of rotations over
   * m (n × n float64, row-major, symmetric), each also applied to the rows of vt, stopping once the
   * off-diagonal sum of squares is ≤ 1e-30 × the diagonal's. Every backend gives the TS reference's bits
   * (kernels/jacobi.ts); clustering runs one 48 × 48 decomposition per proposed split.
   */
  jacobiSweeps(m: Float64Array, vt: Float64Array, n: number, maxSweeps: number): void;

  /**
   * The median (index n >> 1 of the sorted values) of |a[i] − median(a)|, exactly; 0 when a is empty; with
   * NaN, the medians a typed-array sort gives (NaN last). a is scratch, reordered and overwritten. Every
   * backend gives the TS reference's bits (kernels/mad.ts): the noise levels' MADs.
   */
  medianAbsoluteDeviation(a: Float64Array): number;

  /**
   * out[c] = the median absolute deviation in steps of channel c over the first numSamples rows of a
   * time-major int16 block (medians at index n >> 1, exactly), or -1 where the median or the MAD lies
   * beyond ±4096 steps (the caller selects those from a copy); 0 when numSamples = 0. Noise levels on
   * the int16 trace cache; kernels/int16mad.ts is the reference.
   */
  int16MadSteps(raw: Int16Array, numSamples: number, numChannels: number, out: Float64Array): void;

  /**
   * Sparse channel mixing of a time-major block x (rows × numChannels) into out (rows × (offsets.length − 1)):
   * out[t, j] = Σ weight[q] · x[t, source[q]] over q in [offsets[j], offsets[j + 1]), summed in float64 in q
   * order and rounded once to float32. Every backend gives the TS reference's bits (kernels/sparsemix.ts):
   * motion correction's kriging interpolation.
   */
  sparseMix(x: Float32Array, numChannels: number, offsets: Int32Array, source: Int32Array, weight: Float32Array, out: Float32Array): void;

  /**
   * For each channel c of a time-major block x (rows × numChannels), out[2c] = the median of its values (index
   * rows >> 1 of the sorted values) and out[2c + 1] = the median of their absolute deviations from it, exactly
   * (in float64), −0 returned as +0; with NaN, what a typed-array sort gives. Every backend gives the TS
   * reference's bits (kernels/centredselect.ts): the common-mode estimate's per-channel centre and noise.
   */
  channelMedianAndMad(x: Float32Array, numChannels: number, out: Float64Array): void;

  /**
   * out[t] = the k-th smallest (0-based) over c in live of (x[t·numChannels + c] − centre[c]) · inv[c] in
   * float64, −0 returned as +0, for t < out.length (the common-mode estimate's medians across channels).
   * Every backend gives the TS reference's bits (kernels/centredselect.ts).
   */
  normalizedRowSelect(x: Float32Array, numChannels: number, live: Int32Array, centre: Float64Array, inv: Float64Array, k: number, out: Float64Array): void;

  /**
   * mean (d) and cov (d × d, symmetric, over max(1, n − 1)) of the rows `rows` of x (n × d float32, all rows
   * when null), summed in float64 in a fixed order (kernels/meancovariance.ts): every backend gives the TS
   * reference's bits. Clustering's PCA of each group's features.
   */
  meanCovariance(x: Float32Array, d: number, rows: Int32Array | null, mean: Float64Array, cov: Float64Array): void;

  /**
   * all[k], even[k], odd[k] = Σ x[i·width + k] over rows i < rows, over the even i and over the odd i (each in
   * row order, float64; overwritten). Every backend gives the TS reference's bits (kernels/snippetsums.ts):
   * the merge test's mean snippets.
   */
  snippetSums(x: Float32Array, rows: number, width: number, all: Float64Array, even: Float64Array, odd: Float64Array): void;

  /**
   * Optional: a float32 buffer of `length` values in the kernels' own memory (the WASM module's), which the
   * kernels read and write in place instead of copying it in and out (template matching keeps its residual
   * window there). Each `slot` is one buffer, reused by the next call for that slot (whose contents are then
   * undefined). The view stays valid while kernel calls need less than 16 MiB of scratch; growing memory
   * beyond that detaches it (length 0), so check before reusing it after large calls. Backends without
   * separate memory leave this out: callers then use ordinary arrays.
   */
  residentFloat32?(slot: number, length: number): Float32Array;

  /**
   * The trace cache's chunk in one call (kernels/filterreferencequantize.ts): raw int16 rows, which `fill`
   * writes into the array it is given (in the kernels' own memory for WASM, so a file read lands there), are
   * filtered, referenced to their per-row (clipped) median and encoded as int16 steps; the same values as
   * sosfiltfilt, (clipped)MedianAcrossChannels and quantizeInt16RowRef one after another. Null when fill
   * returns false. `fill` must not call kernels. The steps are valid until the next call of this kernel.
   */
  filterReferenceQuantize(job: FilterReferenceQuantizeJob, fill: (raw: Int16Array) => boolean): FilterReferenceQuantizeResult | null;
}

/** Crossings of a scaled correlation (Kernels.correlationCrossings): flat indices and values, ascending. */
export interface CorrelationCrossings {
  index: Int32Array;
  value: Float32Array;
}
