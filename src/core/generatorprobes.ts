/** Probe layouts for synthetic recordings: a tetrode, a linear shank and a Neuropixels-like staggered shank. */
import { Probe, ProbeGroup } from './probe.js';

export type GeneratorLayout = 'tetrode' | 'linear' | 'neuropixels-like';

export interface LayoutOptions {
  layout: GeneratorLayout;
  /** Contacts (ignored for a tetrode, which has 4). */
  numChannels?: number;
  /** Columns of the neuropixels-like layout: 2 (staggered pairs) or 4 (NP1.0 checkerboard). Default 4. */
  columns?: 2 | 4;
}

/** A probe group for a named layout; contact i is wired to channel i. */
export function makeLayoutProbe(opts: LayoutOptions): ProbeGroup {
  const positions: number[] = [];
  let n: number;
  let model: string;
  if (opts.layout === 'tetrode') {
    n = 4;
    positions.push(0, 0, 25, 0, 0, 25, 25, 25);
    model = 'tetrode-square-25um';
  } else {
    n = opts.numChannels ?? 32;
    if (!Number.isInteger(n) || n < 1) throw new Error(`generator: numChannels must be a positive integer, got ${opts.numChannels}`);
    if (opts.layout === 'linear') {
      for (let i = 0; i < n; i++) positions.push(0, 20 * i);
      model = 'linear-20um';
    } else if (opts.layout === 'neuropixels-like') {
      const cols = opts.columns ?? 4;
      if (cols !== 2 && cols !== 4) throw new Error(`generator: neuropixels-like layout has 2 or 4 columns, got ${cols}`);
      // NP1.0: rows 20 µm apart, two contacts per row alternating between x {16, 48} and {0, 32}.
      const xs = cols === 4 ? [16, 48, 0, 32] : [0, 32];
      for (let i = 0; i < n; i++) positions.push(xs[i % xs.length], 20 * Math.floor(i / 2));
      model = `neuropixels-like-${cols}col`;
    } else {
      throw new Error(`generator: unknown layout '${String(opts.layout)}'; use tetrode, linear or neuropixels-like`);
    }
  }
  return new ProbeGroup([
    new Probe({
      positions,
      contactIds: Array.from({ length: n }, (_, i) => `e${i}`),
      shankIds: Array.from({ length: n }, () => '0'),
      deviceChannelIndices: Array.from({ length: n }, (_, i) => i),
      contactShapes: Array.from({ length: n }, () => 'square' as const),
      contactShapeParams: Array.from({ length: n }, () => ({ width: 12 })),
      name: model,
      model,
      manufacturer: 'spikeforge (synthetic)',
    }),
  ]);
}
