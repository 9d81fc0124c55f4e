/**
 * motion.npz: the Motion value as a NumPy archive, readable from Python with np.load.
 * Keys: shank_ids (unicode), temporal_bins_s_seg{s}, spatial_bins_um_shank{k},
 * displacement_um_seg{s}_shank{k} (time × windows, float32).
 */
import { NpyArray, NpyInput, npyNumbers } from '../io/npy.js';
import { readNpz, writeNpz } from '../io/npz.js';
import { Motion, validateMotion } from './motion.js';

export function motionToArrays(m: Motion): Record<string, NpyInput> {
  validateMotion(m);
  const out: Record<string, NpyInput> = {
    shank_ids: { data: m.shanks.map((s) => s.shankId), dtype: 'unicode' },
    num_segments: { data: Int32Array.of(m.temporalBinsS.length) },
  };
  m.temporalBinsS.forEach((tb, s) => (out[`temporal_bins_s_seg${s}`] = { data: tb }));
  m.shanks.forEach((sh, k) => {
    out[`spatial_bins_um_shank${k}`] = { data: sh.spatialBinsUm };
    sh.displacementUm.forEach((d, s) => {
      out[`displacement_um_seg${s}_shank${k}`] = { data: d, shape: [m.temporalBinsS[s].length, sh.spatialBinsUm.length] };
    });
  });
  return out;
}

/** Writes motion.npz atomically. */
export function saveMotionNpz(path: string, m: Motion): void {
  writeNpz(path, motionToArrays(m));
}

/** Reads a motion.npz written by saveMotionNpz. */
export function loadMotionNpz(path: string): Motion {
  const a = readNpz(path);
  const need = (key: string): NpyArray => {
    const v = a.get(key);
    if (!v) throw new Error(`${path}: no array '${key}': not a spikeforge motion.npz (expected shank_ids, temporal_bins_s_seg0, spatial_bins_um_shank0, displacement_um_seg0_shank0)`);
    return v;
  };
  const ids = need('shank_ids').data;
  if (!Array.isArray(ids)) throw new Error(`${path}: shank_ids must be a string array`);
  const numSeg = npyNumbers(need('num_segments'), path)[0];
  const temporalBinsS = Array.from({ length: numSeg }, (_, s) => Float64Array.from(npyNumbers(need(`temporal_bins_s_seg${s}`), path)));
  const shanks = ids.map((id, k) => ({
    shankId: String(id),
    spatialBinsUm: Float64Array.from(npyNumbers(need(`spatial_bins_um_shank${k}`), path)),
    displacementUm: temporalBinsS.map((_, s) => Float32Array.from(npyNumbers(need(`displacement_um_seg${s}_shank${k}`), path))),
  }));
  return validateMotion({ temporalBinsS, shanks }, path);
}
