/**
 * Reads spike snippets (normalised traces around given samples, on per-owner channel sets) in one
 * ordered pass over the chunks that contain them, so random access never re-reads a chunk.
 */
import { NormalizedSource, readNormalized } from './traces.js';

export interface SnippetRequest {
  segment: Int32Array;
  sample: Float64Array;
  /** Which output (unit) each snippet belongs to. */
  owner: Int32Array;
}

export interface SnippetSet {
  channels: Int32Array;
  /** count × length × channels.length, in request order. */
  data: Float32Array;
  count: number;
}

export function gatherSnippets(
  src: NormalizedSource,
  req: SnippetRequest,
  channelsPerOwner: Int32Array[],
  nBefore: number,
  length: number,
  chunkSamples: number,
): SnippetSet[] {
  const nOwners = channelsPerOwner.length;
  const counts = new Int32Array(nOwners);
  for (const o of req.owner) counts[o]++;
  const out: SnippetSet[] = channelsPerOwner.map((ch, o) => ({ channels: ch, data: new Float32Array(counts[o] * length * ch.length), count: counts[o] }));
  const slot = new Int32Array(req.owner.length);
  const fill = new Int32Array(nOwners);
  req.owner.forEach((o, i) => (slot[i] = fill[o]++));
  const order = Array.from(req.owner.keys()).sort((a, b) => req.segment[a] - req.segment[b] || req.sample[a] - req.sample[b]);
  let i = 0;
  while (i < order.length) {
    const seg = req.segment[order[i]];
    const chunk = Math.floor(req.sample[order[i]] / chunkSamples);
    let j = i;
    while (j < order.length && req.segment[order[j]] === seg && Math.floor(req.sample[order[j]] / chunkSamples) === chunk) j++;
    const start = chunk * chunkSamples;
    const end = Math.min(src.recording.getNumSamples(seg), start + chunkSamples);
    const win = readNormalized(src, seg, start, end, length);
    const nc = win.numChannels;
    for (let k = i; k < j; k++) {
      const r = order[k];
      const o = req.owner[r];
      const ch = channelsPerOwner[o];
      const row0 = Math.round(req.sample[r]) - win.firstSample - nBefore;
      const base = slot[r] * length * ch.length;
      const dst = out[o].data;
      for (let p = 0; p < length; p++) {
        const srcRow = (row0 + p) * nc;
        for (let q = 0; q < ch.length; q++) dst[base + p * ch.length + q] = win.data[srcRow + ch[q]];
      }
    }
    i = j;
  }
  return out;
}

/** Mean of a snippet set (length × channels). */
export function meanSnippet(set: SnippetSet, length: number): Float32Array {
  const w = length * set.channels.length;
  const out = new Float32Array(w);
  for (let i = 0; i < set.count; i++) for (let k = 0; k < w; k++) out[k] += set.data[i * w + k];
  if (set.count) for (let k = 0; k < w; k++) out[k] /= set.count;
  return out;
}
