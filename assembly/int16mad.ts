/**
 * Per-channel MAD in int16 steps from one histogram per channel: the TS reference's algorithm and layout
 * (src/kernels/int16mad.ts), so the same exact values. Counting is split from evaluation so the host can
 * stream a long block through in pieces.
 */

const HALF: i32 = 4096;
const BINS: i32 = 2 * HALF;
const STRIDE: i32 = BINS + 2 + 14;

/** Channels counted together over a tile of rows: their busy bins stay in L1 while the tile streams past. */
const GROUP: i32 = 32;
const TILE_ROWS: i32 = 256;

/** Bytes of the nc histograms (zeroed by int16MadClear). */
export function int16MadHistogramBytes(nc: i32): i32 {
  return nc * STRIDE * 4;
}

export function int16MadClear(pHist: usize, nc: i32): void {
  memory.fill(pHist, 0, <usize>int16MadHistogramBytes(nc));
}

/** Adds rows of a time-major int16 block (rows × nc at pRaw) to the histograms at pHist. */
export function int16MadCount(pRaw: usize, rows: i32, nc: i32, pHist: usize): void {
  for (let t0 = 0; t0 < rows; t0 += TILE_ROWS) {
    const t1 = min(rows, t0 + TILE_ROWS);
    for (let c0 = 0; c0 < nc; c0 += GROUP) {
      const c1 = min(nc, c0 + GROUP);
      for (let t = t0; t < t1; t++) {
        const row = pRaw + ((<usize>t * <usize>nc) << 1);
        let o = pHist + ((<usize>c0 * <usize>STRIDE + <usize>(HALF + 1)) << 2);
        for (let c = c0; c < c1; c++, o += <usize>STRIDE << 2) {
          const v = <i32>load<i16>(row + (<usize>c << 1));
          const slot = max(-HALF - 1, min(HALF, v));
          const a = o + (<usize>slot << 2);
          store<i32>(a, load<i32>(a) + 1);
        }
      }
    }
  }
}

/** out[c] (f64) = channel c's MAD in steps over numSamples counted rows, or -1 outside the histogram. */
export function int16MadEvaluate(pHist: usize, nc: i32, numSamples: i32, pOut: usize): void {
  const k = numSamples >> 1;
  for (let c = 0; c < nc; c++) {
    store<f64>(pOut + (<usize>c << 3), numSamples == 0 ? 0 : <f64>madOf(pHist + ((<usize>c * <usize>STRIDE) << 2), k));
  }
}

@inline
function bin(h0: usize, b: i32): i32 {
  return load<i32>(h0 + (<usize>b << 2));
}

function madOf(base: usize, k: i32): i32 {
  let cum = load<i32>(base);
  if (cum > k) return -1;
  const h0 = base + 4;
  let med = -1;
  for (let b = 0; b < BINS; b++) {
    cum += bin(h0, b);
    if (cum > k) {
      med = b;
      break;
    }
  }
  if (med < 0) return -1;
  let count = bin(h0, med);
  let d = 0;
  while (count <= k) {
    d++;
    if (med - d < 0 || med + d >= BINS) return -1;
    count += bin(h0, med - d) + bin(h0, med + d);
  }
  return d;
}
