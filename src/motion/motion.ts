/**
 * The Motion value: displacement of the tissue relative to the probe, along the probe (y, µm), per
 * recording segment, time bin and spatial window, for each shank. Convention (as the generator and
 * SpikeInterface): tissue whose registered depth is y is observed at y + displacement(t, y).
 * Rigid motion is the case of one window per shank.
 */
import type { Recording } from '../core/recording.js';

export interface ShankMotion {
  /** Channel group label (Recording.getChannelGroups()) of the shank. */
  shankId: string;
  /** Centres (µm along y) of the spatial windows, ascending; one entry for rigid motion. */
  spatialBinsUm: Float64Array;
  /** Per segment: time bins × windows (row-major), µm. */
  displacementUm: Float32Array[];
}

export interface Motion {
  /** Per segment: centres (s, segment time) of the time bins, ascending. */
  temporalBinsS: Float64Array[];
  shanks: ShankMotion[];
}

/** Checks shapes and ordering; `where` names the source in errors. */
export function validateMotion(m: Motion, where = 'motion'): Motion {
  if (m.shanks.length === 0) throw new Error(`${where}: no shank: a motion needs at least one displacement table`);
  m.temporalBinsS.forEach((tb, s) => {
    if (tb.length === 0) throw new Error(`${where}: segment ${s} has no time bin`);
    for (let i = 1; i < tb.length; i++) {
      if (!(tb[i] > tb[i - 1])) throw new Error(`${where}: segment ${s} time bins are not strictly ascending at index ${i}`);
    }
  });
  for (const sh of m.shanks) {
    const nw = sh.spatialBinsUm.length;
    if (nw === 0) throw new Error(`${where}: shank '${sh.shankId}' has no spatial window`);
    for (let i = 1; i < nw; i++) {
      if (!(sh.spatialBinsUm[i] > sh.spatialBinsUm[i - 1])) throw new Error(`${where}: shank '${sh.shankId}' spatial bins are not strictly ascending`);
    }
    if (sh.displacementUm.length !== m.temporalBinsS.length) {
      throw new Error(`${where}: shank '${sh.shankId}' has displacement for ${sh.displacementUm.length} segments, time bins for ${m.temporalBinsS.length}`);
    }
    sh.displacementUm.forEach((d, s) => {
      const want = m.temporalBinsS[s].length * nw;
      if (d.length !== want) {
        throw new Error(`${where}: shank '${sh.shankId}' segment ${s} displacement has ${d.length} values, expected ${m.temporalBinsS[s].length} time bins × ${nw} windows = ${want}`);
      }
      for (const v of d) if (!Number.isFinite(v)) throw new Error(`${where}: shank '${sh.shankId}' segment ${s} displacement holds a non-finite value`);
    });
  }
  return m;
}

export interface MotionArrays {
  /** Time bin centres (s), one array per segment (or one array for a single segment). */
  temporalBinsS: ArrayLike<number>[] | ArrayLike<number>;
  /** Window centres (µm along y); one value (or omitted) for rigid motion. */
  spatialBinsUm?: ArrayLike<number>;
  /** time × windows displacement (µm), one per segment (or one for a single segment). */
  displacementUm: ArrayLike<number>[] | ArrayLike<number>;
  shankId?: string;
}

const isArrayList = (a: ArrayLike<number>[] | ArrayLike<number>): a is ArrayLike<number>[] => Array.isArray(a) && a.length > 0 && typeof a[0] !== 'number';

/** A Motion from plain arrays computed elsewhere (e.g. Kilosort's or DREDge's output), for one shank. */
export function motionFromArrays(a: MotionArrays, where = 'motion arrays'): Motion {
  const tb = isArrayList(a.temporalBinsS) ? a.temporalBinsS : [a.temporalBinsS];
  const disp = isArrayList(a.displacementUm) ? a.displacementUm : [a.displacementUm];
  return validateMotion(
    {
      temporalBinsS: tb.map((t) => Float64Array.from(t)),
      shanks: [{ shankId: a.shankId ?? '0', spatialBinsUm: Float64Array.from(a.spatialBinsUm ?? [0]), displacementUm: disp.map((d) => Float32Array.from(d)) }],
    },
    where,
  );
}

/** Index of the shank of a Motion that serves a channel group, or -1. */
export function shankIndex(m: Motion, group: string): number {
  if (m.shanks.length === 1) return 0;
  return m.shanks.findIndex((s) => s.shankId === group);
}

/** Linear interpolation weights of x on ascending nodes (clamped at the ends). */
export function interpWeights(nodes: ArrayLike<number>, x: number): [number, number, number] {
  const n = nodes.length;
  if (n === 1 || x <= nodes[0]) return [0, 0, 1];
  if (x >= nodes[n - 1]) return [n - 1, n - 1, 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid] <= x) lo = mid;
    else hi = mid;
  }
  const w = (nodes[hi] - x) / (nodes[hi] - nodes[lo]);
  return [lo, hi, w];
}

/** Displacement (µm) of shank k at time t (s) and depth y (µm), bilinear between bins, clamped outside. */
export function displacementAt(m: Motion, shank: number, segment: number, t: number, y: number): number {
  const sh = m.shanks[shank];
  const tb = m.temporalBinsS[segment];
  const d = sh.displacementUm[segment];
  const nw = sh.spatialBinsUm.length;
  const [t0, t1, wt] = interpWeights(tb, t);
  const [y0, y1, wy] = interpWeights(sh.spatialBinsUm, y);
  const at = (i: number) => wy * d[i * nw + y0] + (1 - wy) * d[i * nw + y1];
  return wt * at(t0) + (1 - wt) * at(t1);
}

/** Channel indices of each shank of the motion, from the recording's channel groups. */
export function channelsPerShank(rec: Recording, m: Motion): Int32Array[] {
  const groups = rec.getChannelGroups();
  const out: number[][] = m.shanks.map(() => []);
  groups.forEach((g, c) => {
    const k = shankIndex(m, g);
    if (k >= 0) out[k].push(c);
  });
  return out.map((a) => Int32Array.from(a));
}
