/**
 * Exact selections of the common-mode estimate: the same values as the TS reference
 * (src/kernels/centredselect.ts), a zero always returned as +0. The per-channel median and MAD are mad.ts's
 * bucketed selections; the per-row medians across a few hundred channels are plain quickselects.
 */
import { quickselect } from './median';
import { medianAndMad } from './mad';

/** Channels transposed together by channelMedianAndMad: 16 float32 = one 64-byte row segment. */
const CHANNEL_GROUP: i32 = 16;

/**
 * Median and MAD (pOut[2c], pOut[2c + 1], f64) of each channel of a time-major f32 block (rows × nc at pX,
 * rows ≥ 1), as medianAndMad gives them for the column as f64: channels are transposed CHANNEL_GROUP at a
 * time into pCols (CHANNEL_GROUP × rows f64 of scratch). pCounts, pBand, bits: as medianAndMad.
 * Returns -1 when a NaN is met (the host then uses the reference), else 0.
 */
export function channelMedianAndMad(pX: usize, rows: i32, nc: i32, bits: i32, pCounts: usize, pCols: usize, pBand: usize, pOut: usize): i32 {
  for (let c0 = 0; c0 < nc; c0 += CHANNEL_GROUP) {
    const g = min(CHANNEL_GROUP, nc - c0);
    for (let t = 0; t < rows; t++) {
      const src = pX + ((<usize>t * <usize>nc + <usize>c0) << 2);
      for (let j = 0; j < g; j++) store<f64>(pCols + ((<usize>j * <usize>rows + <usize>t) << 3), <f64>load<f32>(src + (<usize>j << 2)));
    }
    for (let j = 0; j < g; j++) {
      if (medianAndMad(pCols + ((<usize>j * <usize>rows) << 3), rows, bits, pCounts, pBand, pOut + (<usize>(c0 + j) << 4)) < 0) return -1;
    }
  }
  return 0;
}

/**
 * pOut[t] (f64) = the k-th smallest over j < m of (f64(x[t·nc + live[j]]) − centre[c]) · inv[c], c = live[j],
 * for t < rows; x f32 at pX, live i32 at pLive, centre and inv f64 per channel, pRow: m f64 of scratch.
 * Returns -1 when a NaN is met (the host then uses the reference), else 0.
 */
export function normalizedRowSelect(pX: usize, rows: i32, nc: i32, pLive: usize, m: i32, pCentre: usize, pInv: usize, k: i32, pRow: usize, pOut: usize): i32 {
  for (let t = 0; t < rows; t++) {
    const b = pX + ((<usize>t * <usize>nc) << 2);
    let nan = false;
    for (let j = 0; j < m; j++) {
      const c = <usize>load<i32>(pLive + (<usize>j << 2));
      const v = (<f64>load<f32>(b + (c << 2)) - load<f64>(pCentre + (c << 3))) * load<f64>(pInv + (c << 3));
      nan = nan || v != v;
      store<f64>(pRow + (<usize>j << 3), v);
    }
    if (nan) return -1;
    store<f64>(pOut + (<usize>t << 3), quickselect<f64>(pRow, m, k) + 0);
  }
  return 0;
}
