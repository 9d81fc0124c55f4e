/**
 * Common reference: subtract, at every time step, the median (or mean) of a set of channels — all the
 * channels of the same group/shank ('global') or an annulus of neighbours around each channel ('local').
 * Removes noise shared across the probe (line noise, movement, reference artefacts). Per time step, so
 * chunked output is identical to whole-array output.
 */
import { Recording } from '../core/recording.js';
import type { RecordingSpec, SpecLoader } from '../core/spec.js';
import { getKernels } from '../kernels/registry.js';
import { allChannels, preprocessedInit, specWithParent } from './base.js';
import { ScratchTraceReader, checkScratchWindow, hasScratchReads } from './filter.js';

export interface CommonReferenceOptions {
  reference?: 'global' | 'local';
  operator?: 'median' | 'average';
  /** Group label per channel; channels are referenced within their group. Default: per shank. */
  groups?: string[];
  /** For 'local': neighbours are channels at distance d with inner < d ≤ outer (µm). Default [30, 55]. */
  localRadiusUm?: [number, number];
  /**
   * Median only: a channel that lies beyond clipUv (µV) of the plain median is left out of the median from
   * clipLeadMs before to clipHoldMs after (kernels/median.ts clippedMedianAcrossChannelsTS). Without it a
   * spike covering a good part of the probe moves the median, and its inverted copy is stamped on every
   * other channel. A few sd of the referenced noise (commonmode.ts residualSdUv); 0 or absent: plain median.
   */
  clipUv?: number;
  /** Default 1 ms: covers a spike's rebound, small but on many channels. */
  clipHoldMs?: number;
  /** Default 0.5 ms: covers a spike's rise before it crosses clipUv. */
  clipLeadMs?: number;
}

/** For each channel, the channels whose median/mean is subtracted from it. */
export function referenceSets(rec: Recording, opts: CommonReferenceOptions): Int32Array[] {
  const n = rec.numChannels;
  const groups = opts.groups ?? rec.getChannelGroups();
  if (groups.length !== n) throw new Error(`common reference: ${groups.length} group labels for ${n} channels`);
  if ((opts.reference ?? 'global') === 'global') {
    const members = new Map<string, number[]>();
    groups.forEach((g, c) => {
      if (!members.has(g)) members.set(g, []);
      members.get(g)!.push(c);
    });
    const sets = new Map([...members].map(([g, cs]) => [g, Int32Array.from(cs)]));
    return groups.map((g) => sets.get(g)!);
  }
  const [inner, outer] = opts.localRadiusUm ?? [30, 55];
  if (!(inner >= 0 && outer > inner)) throw new Error(`common reference: localRadiusUm [${inner}, ${outer}] must satisfy 0 ≤ inner < outer`);
  const loc = rec.getChannelLocations();
  return Array.from({ length: n }, (_, c) => {
    const set: number[] = [];
    for (let o = 0; o < n; o++) {
      if (groups[o] !== groups[c]) continue;
      const d = Math.hypot(loc[2 * o] - loc[2 * c], loc[2 * o + 1] - loc[2 * c + 1]);
      if (d > inner && d <= outer) set.push(o);
    }
    if (set.length === 0) {
      throw new Error(`common reference: channel '${rec.channelIds[c]}' has no neighbour between ${inner} and ${outer} µm: widen localRadiusUm or use reference 'global'`);
    }
    return Int32Array.from(set);
  });
}

export class CommonReferenceRecording extends Recording implements ScratchTraceReader {
  private readonly sets: Int32Array[];
  /** Rows of context the clipped median's window needs on each side (0 for the plain median and the mean). */
  private readonly holdSamples: number;
  private readonly leadSamples: number;
  // readRaw returns a new array, or its own copy of the parent's traces.
  protected override readonly readRawIsFresh = true;

  constructor(readonly parent: Recording, readonly options: CommonReferenceOptions = {}) {
    super(preprocessedInit(parent));
    const op = options.operator ?? 'median';
    if (op !== 'median' && op !== 'average') throw new Error(`common reference: unknown operator '${String(op)}': use median or average`);
    const clip = options.clipUv ?? 0;
    if (!(clip >= 0) || !Number.isFinite(clip)) throw new Error(`common reference: clipUv = ${clip} must be a finite number ≥ 0 (0 = plain median)`);
    const fs = parent.samplingFrequency;
    this.holdSamples = clip > 0 ? msToSamples(options.clipHoldMs ?? 1, fs, 'clipHoldMs') : 0;
    this.leadSamples = clip > 0 ? msToSamples(options.clipLeadMs ?? 0.5, fs, 'clipLeadMs') : 0;
    this.sets = referenceSets(parent, options);
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): Float32Array {
    return this.reference(segment, start, end, channels, (from, to, read) => this.parent.getTraces({ segment, start: from, end: to, channels: read, scaled: true }) as Float32Array);
  }

  /**
   * As getTraces({ segment, start, end, scaled: true }), in the parent's reused buffer when it has one and the
   * reference is subtracted in place (one global median): see ScratchTraceReader.
   */
  readScratch(segment: number, start: number, end: number): Float32Array {
    checkScratchWindow(this, segment, start, end);
    if (end === start) return new Float32Array(0);
    const p = this.referenceParts(segment, start, end, allChannels(this.numChannels), this.scratchParentReader(segment));
    return p.rowReference ? subtractRowReference(p.x, p.nc, p.refs) : this.referenced(p);
  }

  /**
   * readScratch before its last step, when that step is one reference per row subtracted from every channel
   * (one global set): the unreferenced traces (time-major, all channels; the parent's scratch, to be used
   * before the next read) and the per-row reference, so that a consumer can fuse x − ref into its own pass
   * (the trace cache: kernels quantizeInt16RowRef) with the same float32 values as readScratch. Otherwise
   * null: call readScratch.
   */
  readScratchUnreferenced(segment: number, start: number, end: number): { traces: Float32Array; rowReference: Float32Array } | null {
    checkScratchWindow(this, segment, start, end);
    if (end === start) return null;
    const p = this.referenceParts(segment, start, end, allChannels(this.numChannels), this.scratchParentReader(segment));
    return p.rowReference ? { traces: p.x, rowReference: p.refs } : null;
  }

  /**
   * When every channel is referenced to the median of one and the same set (a global median over one group),
   * that set and the (clipped) median's parameters, as referenceParts passes them to the kernels; else null.
   * For consumers that run the reference inside a fused kernel (kernels filterReferenceQuantize).
   */
  globalMedian(): { subset: Int32Array; clipUv: number; holdSamples: number; leadSamples: number } | null {
    if ((this.options.operator ?? 'median') !== 'median') return null;
    const set = this.sets[0];
    if (!set || !this.sets.every((s) => s === set)) return null;
    return { subset: set, clipUv: this.options.clipUv ?? 0, holdSamples: this.holdSamples, leadSamples: this.leadSamples };
  }

  private scratchParentReader(segment: number): (from: number, to: number, read: Int32Array) => Float32Array {
    const parent = this.parent;
    return (from, to, read) =>
      hasScratchReads(parent) && read.length === parent.numChannels
        ? parent.readScratch(segment, from, to)
        : (parent.getTraces({ segment, start: from, end: to, channels: read, scaled: true }) as Float32Array);
  }

  /** readRaw with the parent's rows [from, to) of channels `read` (sorted) from `readParent`, which the subtraction may overwrite. */
  private reference(
    segment: number, start: number, end: number, channels: Int32Array,
    readParent: (from: number, to: number, read: Int32Array) => Float32Array,
  ): Float32Array {
    const p = this.referenceParts(segment, start, end, channels, readParent);
    return p.rowReference ? subtractRowReference(p.x, p.nc, p.refs) : this.referenced(p);
  }

  /** The general case's subtraction into a new array: channel j of the output is x's column srcIndex[j] minus reference refIndex[j]. */
  private referenced(p: ReferenceParts): Float32Array {
    const { x, refs, nr, nc, nref, srcIndex, refIndex } = p;
    const nt = x.length / nr;
    const out = new Float32Array(nt * nc);
    for (let t = 0; t < nt; t++) {
      const xo = t * nr;
      const oo = t * nc;
      const ro = t * nref;
      for (let j = 0; j < nc; j++) out[oo + j] = x[xo + srcIndex[j]] - refs[ro + refIndex[j]];
    }
    return out;
  }

  /** The window's parent traces and references, before the subtraction. */
  private referenceParts(
    segment: number, start: number, end: number, channels: Int32Array,
    readParent: (from: number, to: number, read: Int32Array) => Float32Array,
  ): ReferenceParts {
    // Read the requested channels and every channel of their reference sets, once.
    const needed = new Set<number>(channels);
    for (const c of channels) for (const o of this.sets[c]) needed.add(o);
    const read = Int32Array.from([...needed].sort((a, b) => a - b));
    const col = new Map<number, number>();
    read.forEach((c, j) => col.set(c, j));
    // The clipped median looks holdSamples back and leadSamples ahead: read them too (clamped to the
    // segment, as a whole-segment read would be), so every chunking gives the same reference.
    const from = Math.max(0, start - this.holdSamples);
    const to = Math.min(this.parent.getNumSamples(segment), end + this.leadSamples);
    const xr = readParent(from, to, read);
    const nr = read.length;
    const nc = channels.length;
    // One reference per distinct set (a single one for 'global'), stored time-major so the
    // subtraction below walks x and out row by row instead of one strided column at a time.
    const refIndex = new Int32Array(nc);
    const sets: Int32Array[] = [];
    channels.forEach((c, j) => {
      let r = sets.indexOf(this.sets[c]);
      if (r < 0) r = sets.push(this.sets[c]) - 1;
      refIndex[j] = r;
    });
    const nref = sets.length;
    const median = (this.options.operator ?? 'median') === 'median';
    const clip = this.options.clipUv ?? 0;
    const refsAll = new Float32Array((to - from) * nref);
    sets.forEach((set, r) => {
      const local = Int32Array.from(set, (o) => col.get(o)!);
      if (median && clip > 0) getKernels().clippedMedianAcrossChannels(xr, nr, local, refsAll, nref, r, clip, this.holdSamples, this.leadSamples);
      else if (median) getKernels().medianAcrossChannels(xr, nr, local, refsAll, nref, r);
      else meanAcrossChannels(xr, nr, local, refsAll, nref, r);
    });
    // The context rows served the window only.
    const refs = from === start && to === end ? refsAll : refsAll.subarray((start - from) * nref, (end - from) * nref);
    const x = from === start && to === end ? xr : xr.subarray((start - from) * nr, (end - from) * nr);
    const srcIndex = Int32Array.from(channels, (c) => col.get(c)!);
    // Subtracted in place, also when x is the window inside the clipped median's context rows: xr is this read's own (or scratch)
    // copy, and a fresh output array would cost a full write plus its page faults.
    const rowReference = nref === 1 && nc === nr && srcIndex.every((s, j) => s === j);
    return { x, refs, nr, nc, nref, srcIndex, refIndex, rowReference };
  }

  override toSpec(): RecordingSpec | null {
    return specWithParent(import.meta.url, 'CommonReferenceRecording', this.parent, { options: this.options });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<CommonReferenceRecording> {
    const a = args as { parent: RecordingSpec; options: CommonReferenceOptions };
    return new CommonReferenceRecording(await load(a.parent), a.options);
  }
}

/** A window's parent traces x (nr columns) and its nref references per row, before the subtraction. */
interface ReferenceParts {
  x: Float32Array;
  refs: Float32Array;
  nr: number;
  nc: number;
  nref: number;
  srcIndex: Int32Array;
  refIndex: Int32Array;
  /** One reference per row for every column of x, in order: out = x − refs[t], in place. */
  rowReference: boolean;
}

/**
 * x[t, c] −= ref[t] in place (x is this read's own copy, or a window of it): the usual case, every channel referenced to
 * one global median, without the index lookups of the general case.
 */
function subtractRowReference(x: Float32Array, nc: number, ref: Float32Array): Float32Array {
  for (let t = 0, i = 0; t < ref.length; t++) {
    const r = ref[t];
    for (const end = i + nc; i < end; i++) x[i] -= r;
  }
  return x;
}

function meanAcrossChannels(x: Float32Array, nc: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number): void {
  const nt = x.length / nc;
  for (let t = 0; t < nt; t++) {
    let s = 0;
    for (const c of subset) s += x[t * nc + c];
    out[t * outStride + outOffset] = s / subset.length;
  }
}

function msToSamples(ms: number, fs: number, name: string): number {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`common reference: ${name} = ${ms} must be a finite number of ms ≥ 0`);
  return Math.round((ms * fs) / 1000);
}

export function commonReference(rec: Recording, opts: CommonReferenceOptions = {}): CommonReferenceRecording {
  return new CommonReferenceRecording(rec, opts);
}
