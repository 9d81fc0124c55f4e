/**
 * Reads spike snippets (normalised traces around given samples, on per-owner channel sets). Snippets
 * are read in time order, nearby ones together: one read per run of overlapping or close windows
 * (never beyond a chunk) of only the rows those windows cover, and only the values a snippet holds
 * are converted to noise units. Values equal what readNormalized gives for the same samples (see
 * normalizeSample), so the grouping changes the I/O, never a snippet.
 */
import type { NumericArray } from '../core/dtypes.js';
import { ChannelNormalizer, NormalizedSource, channelNormalizer, normalizeSample, rawScratchReader } from './traces.js';

export interface SnippetRequest {
  segment: Int32Array;
  sample: Float64Array;
  /** Which output (unit) each snippet belongs to. */
  owner: Int32Array;
}

export interface SnippetSet {
  channels: Int32Array;
  /** count × length × channels.length, in request order (a view of one block shared by the sets of a gather). */
  data: Float32Array;
  count: number;
}

/** A run of requests (positions [from, to) of the time order) read with one getTraces call. */
export interface SnippetReadGroup {
  segment: number;
  from: number;
  to: number;
  /** Rows [start, end) of the segment the group's windows cover (may reach outside it: zero padding). */
  start: number;
  end: number;
}

/**
 * Splits time-ordered windows [sample - nBefore, sample - nBefore + length) into read groups: a window
 * joins the previous group when it starts within `length` rows of that group's end, in the same
 * segment and the same chunk (so one read never exceeds a chunk and its margins).
 */
export function snippetReadGroups(segment: Int32Array, sample: Float64Array, order: ArrayLike<number>, nBefore: number, length: number, chunkSamples: number): SnippetReadGroup[] {
  const groups: SnippetReadGroup[] = [];
  let cur: SnippetReadGroup | null = null;
  let curChunk = -1;
  for (let k = 0; k < order.length; k++) {
    const r = order[k];
    const start = Math.round(sample[r]) - nBefore;
    const chunk = Math.floor(sample[r] / chunkSamples);
    if (cur && cur.segment === segment[r] && curChunk === chunk && start <= cur.end + length) {
      cur.to = k + 1;
      cur.end = Math.max(cur.end, start + length);
      continue;
    }
    cur = { segment: segment[r], from: k, to: k + 1, start, end: start + length };
    curChunk = chunk;
    groups.push(cur);
  }
  return groups;
}

export function gatherSnippets(
  src: NormalizedSource,
  req: SnippetRequest,
  channelsPerOwner: Int32Array[],
  nBefore: number,
  length: number,
  chunkSamples: number,
): SnippetSet[] {
  const out = ownerBlocks(req, channelsPerOwner, length, (n) => new Float32Array(n));
  const nc = src.recording.numChannels;
  const f = channelNormalizer(src);
  const pure = pureGain(f);
  const colGain = pure ? channelsPerOwner.map((ch) => Float64Array.from(ch, (j) => f.gain[j])) : [];
  const colScale = pure ? channelsPerOwner.map((ch) => Float32Array.from(ch, (j) => f.scale[j])) : [];
  forEachSnippetRead(src, req, nBefore, length, chunkSamples, (raw, rows, r, row0, slot) => {
    const o = req.owner[r];
    const ch = channelsPerOwner[o];
    if (pure && raw instanceof Int16Array) copySnippet16(raw, nc, row0, rows, ch, colGain[o], colScale[o], length, out[o].data, slot * length * ch.length);
    else copySnippet(raw, nc, row0, rows, ch, f, length, out[o].data, slot * length * ch.length);
  });
  return out;
}

/** A SnippetSet of raw int16 steps (the trace cache's values before normalisation). */
export interface SnippetStepSet {
  channels: Int32Array;
  /** count × length × channels.length raw steps, in request order (a view of one block shared by the sets of a gather). */
  data: Int16Array;
  count: number;
}

/**
 * The snippets gatherSnippets would read, as raw int16 steps (half the bytes, no conversion), or null unless
 * the source is int16 with steps that map to noise units monotonically (stepsAreMonotonic): order statistics
 * of the steps then convert exactly (stepToNoiseUnits) to those of the normalised snippets.
 */
export function gatherSnippetSteps(
  src: NormalizedSource,
  req: SnippetRequest,
  channelsPerOwner: Int32Array[],
  nBefore: number,
  length: number,
  chunkSamples: number,
): SnippetStepSet[] | null {
  if (src.recording.dtype !== 'int16' || !stepsAreMonotonic(channelNormalizer(src))) return null;
  const out = ownerBlocks(req, channelsPerOwner, length, (n) => new Int16Array(n));
  const nc = src.recording.numChannels;
  // A recording that names int16 but reads another type (a wrapper) has no steps: the caller reads floats.
  let steps = true;
  forEachSnippetRead(src, req, nBefore, length, chunkSamples, (raw, rows, r, row0, slot) => {
    if (!(raw instanceof Int16Array)) return void (steps = false);
    const o = req.owner[r];
    const ch = channelsPerOwner[o];
    copySteps(raw, nc, row0, rows, ch, length, out[o].data, slot * length * ch.length);
  });
  return steps ? out : null;
}

/**
 * The float sets of int16 step sets, each made when asked for (the values gatherSnippets gives for the
 * same snippets; `f` must pass stepsAreMonotonic) into one of the slots of a pool of about `budgetBytes`,
 * the most recently used kept. A caller that visits the sets a neighbourhood at a time then holds the
 * steps (half the bytes of the floats) and the pool, instead of every float set at once.
 * A returned set is a view of its slot: it stays valid while fewer than two other units are asked for.
 */
export function floatSetsFromSteps(sets: SnippetStepSet[], f: ChannelNormalizer, budgetBytes: number): (u: number) => SnippetSet {
  const largest = sets.reduce((m, s) => Math.max(m, s.data.length), 1);
  const numSlots = Math.min(sets.length, Math.max(3, Math.floor(budgetBytes / (4 * largest))));
  // One block: sets of a few MB made and dropped one after another would fragment the allocator's heap
  // and keep the process's resident size up for the rest of the sort.
  const pool = new Float32Array(numSlots * largest);
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const slotOf = new Map<number, number>();
  const view = (u: number, slot: number): SnippetSet => {
    const { channels, data, count } = sets[u];
    return { channels, data: pool.subarray(slot * largest, slot * largest + data.length), count };
  };
  return (u) => {
    const hit = slotOf.get(u);
    if (hit !== undefined) {
      slotOf.delete(u);
      slotOf.set(u, hit);
      return view(u, hit);
    }
    let slot = slotOf.size;
    if (slot === numSlots) {
      const [oldest, freed] = slotOf.entries().next().value as [number, number];
      slotOf.delete(oldest);
      slot = freed;
    }
    slotOf.set(u, slot);
    const set = view(u, slot);
    // The set's rows read as one block of its own columns, converted by gatherSnippets' own copy: the same bits.
    const nch = set.channels.length;
    const rows = nch > 0 ? set.data.length / nch : 0;
    const own = Int32Array.from({ length: nch }, (_, q) => q);
    copySnippet16(sets[u].data, nch, 0, rows, own, Float64Array.from(set.channels, (c) => f.gain[c]), Float32Array.from(set.channels, (c) => f.scale[c]), rows, set.data, 0);
    return set;
  };
}

/** One step q of channel c in noise units, as gatherSnippets stores it (float32). */
export function stepToNoiseUnits(q: number, gain: number, scale: number): number {
  return Math.fround(Math.fround(q * gain) * scale);
}

/**
 * Whether, on every channel, the step → noise-unit map is non-decreasing and gives -0 for no step: zero
 * offset, positive gain, positive finite scale, and step -1 still negative after rounding (a gain so small
 * that it underflows would turn negative steps into -0, which sorts equal to +0 but is not the same bits).
 */
export function stepsAreMonotonic(f: ChannelNormalizer): boolean {
  if (!pureGain(f)) return false;
  for (let c = 0; c < f.gain.length; c++) {
    const s = f.scale[c];
    if (!(s > 0 && Number.isFinite(s) && Number.isFinite(f.gain[c]) && stepToNoiseUnits(-1, f.gain[c], s) < 0)) return false;
  }
  return true;
}

/** Per-owner sets, each a view of one block (see gatherSnippets), with every snippet's slot in its set. */
function ownerBlocks<A extends Float32Array | Int16Array>(req: SnippetRequest, channelsPerOwner: Int32Array[], length: number, alloc: (n: number) => A): { channels: Int32Array; data: A; count: number }[] {
  const counts = new Int32Array(channelsPerOwner.length);
  for (const o of req.owner) counts[o]++;
  // One block for every owner's snippets, each set a view of it: a block this large is mapped on its own by
  // the allocator and given back to the system when freed, where hundreds of per-unit arrays would stay
  // in the heap's free lists and keep the process's resident size at its high-water mark.
  const sizes = channelsPerOwner.map((ch, o) => counts[o] * length * ch.length);
  const block = alloc(sizes.reduce((a, n) => a + n, 0));
  let offset = 0;
  return channelsPerOwner.map((ch, o) => ({ channels: ch, data: block.subarray(offset, (offset += sizes[o])) as A, count: counts[o] }));
}

/**
 * Reads the request's windows group by group (snippetReadGroups) and calls visit once per snippet with the
 * group's raw block (all channels, `rows` rows), the request index r, the window's first row in that block
 * (may be negative or run past it: segment edges) and the snippet's slot within its owner's set.
 */
function forEachSnippetRead(
  src: NormalizedSource,
  req: SnippetRequest,
  nBefore: number,
  length: number,
  chunkSamples: number,
  visit: (raw: NumericArray, rows: number, r: number, row0: number, slot: number) => void,
): void {
  const rec = src.recording;
  const slot = new Int32Array(req.owner.length);
  const fill = new Int32Array(req.owner.reduce((m, o) => Math.max(m, o + 1), 0));
  req.owner.forEach((o, i) => (slot[i] = fill[o]++));
  const order = Array.from(req.owner.keys()).sort((a, b) => req.segment[a] - req.segment[b] || req.sample[a] - req.sample[b]);
  const scratch = rawScratchReader(rec);
  for (const g of snippetReadGroups(req.segment, req.sample, order, nBefore, length, chunkSamples)) {
    const a = Math.max(0, g.start);
    const b = Math.min(rec.getNumSamples(g.segment), g.end);
    if (b <= a) continue;
    // All channels: from a binary file (the trace cache) that is a view of the bytes read, no copy; into the
    // file's reused buffer when it has one (tens of thousands of small reads: no fresh zeroed array each).
    const raw = scratch?.(g.segment, a, b) ?? rec.getTraces({ segment: g.segment, start: a, end: b });
    for (let k = g.from; k < g.to; k++) {
      const r = order[k];
      visit(raw, b - a, r, Math.round(req.sample[r]) - nBefore - a, slot[r]);
    }
    if (src.counter) {
      src.counter.frames += b - a;
      src.counter.reads++;
    }
  }
}

/** copySnippet without the conversion: the raw int16 steps of columns `cols`, rows outside raw left zero. */
function copySteps(raw: Int16Array, width: number, row0: number, rows: number, cols: Int32Array, length: number, dst: Int16Array, base: number): void {
  const nch = cols.length;
  const p0 = Math.max(0, -row0);
  const p1 = Math.min(length, rows - row0);
  for (let p = p0; p < p1; p++) {
    const src = (row0 + p) * width;
    const d = base + p * nch;
    for (let q = 0; q < nch; q++) dst[d + q] = raw[src + cols[q]];
  }
}

/**
 * Copies `length` rows from raw row `row0` (raw holds `rows` rows of `width` columns) into dst at
 * `base`, columns `cols`, in noise units; rows outside the raw block stay zero (segment edges).
 */
function copySnippet(raw: NumericArray, width: number, row0: number, rows: number, cols: Int32Array, f: ChannelNormalizer, length: number, dst: Float32Array, base: number): void {
  const nch = cols.length;
  const p0 = Math.max(0, -row0);
  const p1 = Math.min(length, rows - row0);
  for (let p = p0; p < p1; p++) {
    const src = (row0 + p) * width;
    const d = base + p * nch;
    for (let q = 0; q < nch; q++) {
      const j = cols[q];
      dst[d + q] = normalizeSample(raw[src + j], f.gain[j], f.offset[j], f.scale[j]);
    }
  }
}

/**
 * Whether every channel has zero offset and a positive gain: then normalizeSample(q) is fround(q · gain) · scale
 * exactly (no -0 from a negative gain), the int16 trace cache's case.
 */
function pureGain(f: ChannelNormalizer): boolean {
  for (let c = 0; c < f.gain.length; c++) if (f.offset[c] !== 0 || !(f.gain[c] > 0)) return false;
  return true;
}

/**
 * copySnippet for int16 input with pureGain factors gathered per snippet column (colGain[q] is the gain of
 * cols[q]): one monomorphic loop with no per-value branch, the same values as normalizeSample.
 */
function copySnippet16(raw: Int16Array, width: number, row0: number, rows: number, cols: Int32Array, colGain: Float64Array, colScale: Float32Array, length: number, dst: Float32Array, base: number): void {
  const nch = cols.length;
  const p0 = Math.max(0, -row0);
  const p1 = Math.min(length, rows - row0);
  for (let p = p0; p < p1; p++) {
    const src = (row0 + p) * width;
    const d = base + p * nch;
    for (let q = 0; q < nch; q++) dst[d + q] = Math.fround(raw[src + cols[q]] * colGain[q]) * colScale[q];
  }
}

/** Mean of a snippet set (length × channels). */
export function meanSnippet(set: SnippetSet, length: number): Float32Array {
  const w = length * set.channels.length;
  const out = new Float32Array(w);
  for (let i = 0; i < set.count; i++) for (let k = 0; k < w; k++) out[k] += set.data[i * w + k];
  if (set.count) for (let k = 0; k < w; k++) out[k] /= set.count;
  return out;
}
