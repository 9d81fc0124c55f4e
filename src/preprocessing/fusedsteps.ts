/**
 * The trace cache's fast path for the usual chain, int16 file → FilterRecording → global median
 * CommonReferenceRecording: a chunk's int16 steps computed by one kernel call (kernels
 * filterReferenceQuantize), the file read straight into the kernels' memory, instead of a float32 copy of the
 * block in and out of the kernels around the filter, the median and the encoding. The same values as
 * quantizeInt16RowRef on readScratchUnreferenced's parts; every other chain takes the lazy recordings' path
 * (null here).
 */
import type { Recording } from '../core/recording.js';
import type { NumericArray } from '../core/dtypes.js';
import { reflectIndex } from '../core/margins.js';
import { getKernels } from '../kernels/registry.js';
import type { FilterReferenceQuantizeResult } from '../kernels/filterreferencequantize.js';
import { CommonReferenceRecording } from './common_reference.js';
import { FilterRecording, checkScratchWindow } from './filter.js';

/** A parent that reads raw rows into memory the caller provides (BinaryRecording). */
interface RawIntoReader {
  readsRawInto(segment: number): boolean;
  readRawInto(segment: number, start: number, end: number, target: Uint8Array): NumericArray | null;
}

function readsRawInto(rec: Recording): rec is Recording & RawIntoReader {
  const r = rec as Partial<RawIntoReader>;
  return typeof r.readsRawInto === 'function' && typeof r.readRawInto === 'function';
}

/**
 * Rows [start, end) of `rec` (all channels) as int16 steps of invGain per µV (quantizeInt16RowRef's rounding
 * and clipping), when `rec` is that chain; else null. The steps may live in the kernels' memory: use them
 * before the next call.
 */
export function filteredReferencedSteps(rec: Recording, segment: number, start: number, end: number, invGain: Float64Array): FilterReferenceQuantizeResult | null {
  if (!(rec instanceof CommonReferenceRecording)) return null;
  const median = rec.globalMedian();
  const filter = rec.parent;
  if (!median || !(filter instanceof FilterRecording)) return null;
  const source = filter.parent;
  if (source.dtype !== 'int16' || !readsRawInto(source) || !source.readsRawInto(segment)) return null;
  // The filter kernel scales int16 itself only for positive gains and no offsets (FilterRecording.filterInto).
  if (!source.gains.every((g) => g > 0) || !source.offsets.every((o) => o === 0)) return null;
  checkScratchWindow(rec, segment, start, end);
  if (end === start) return null;
  const ns = rec.getNumSamples(segment);
  // The reference window with the clipped median's context rows, and the filter's margins around it.
  const from = Math.max(0, start - median.holdSamples);
  const to = Math.min(ns, end + median.leadSamples);
  const raw = rawBlock(from, to, filter.margin, ns, filter.options.causal ?? false);
  if (!raw) return null;
  const nc = rec.numChannels;
  return getKernels().filterReferenceQuantize(
    {
      sos: filter.sos, zi: filter.zi, zeroPhase: !(filter.options.causal ?? false), numChannels: nc, gain: source.gains,
      rawRows: raw.rows, windowFrom: raw.windowFrom, windowRows: to - from,
      subset: median.subset, clipUv: median.clipUv, back: median.holdSamples, fwd: median.leadSamples,
      outFrom: start - from, outRows: end - start, invGain,
    },
    (block) => {
      const rowBytes = nc * 2;
      const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
      if (source.readRawInto(segment, raw.a, raw.b, bytes.subarray(raw.leftPad * rowBytes, (raw.leftPad + raw.b - raw.a) * rowBytes)) === null) return false;
      for (const [to, from] of raw.mirrored) block.copyWithin(to * nc, from * nc, (from + 1) * nc);
      return true;
    },
  );
}

/**
 * The raw rows FilterRecording reads for window [from, to) (core/margins.ts getRawTracesWithMargin): file rows
 * [a, b) at block row leftPad and, zero-phase, the margin beyond the segment's edges as mirror images (block
 * row ← block row pairs), when those images are rows that are read anyway; else null (the lazy path).
 */
function rawBlock(from: number, to: number, margin: number, ns: number, causal: boolean):
  { a: number; b: number; leftPad: number; rows: number; windowFrom: number; mirrored: Array<[number, number]> } | null {
  const a = Math.max(0, from - margin);
  const b = Math.min(ns, to + margin);
  // A causal filter starts at the segment's first sample ('none'); a zero-phase one reflects its margins.
  const leftPad = causal ? 0 : a - (from - margin);
  const rightPad = causal ? 0 : to + margin - b;
  const mirrored: Array<[number, number]> = [];
  for (let k = 0; k < leftPad + rightPad; k++) {
    const i = k < leftPad ? a - leftPad + k : b + (k - leftPad);
    const image = reflectIndex(i, ns);
    if (image < a || image >= b) return null;
    mirrored.push([k < leftPad ? k : leftPad + (b - a) + (k - leftPad), leftPad + image - a]);
  }
  return { a, b, leftPad, rows: leftPad + (b - a) + rightPad, windowFrom: leftPad + from - a, mirrored };
}
