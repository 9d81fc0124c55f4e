/**
 * Second-order-section IIR filtering of a time-major block (numSamples × numChannels), transposed direct
 * form II, with the same float64 arithmetic in the same order as the TS reference (so results agree to the
 * last bit): f32x4 loads of 4 channels, widened to two f64x2, float32 between sections.
 * The block is swept in tiles of TILE rows; within a tile each 4-channel group runs through every section
 * with its delays held in registers, while the tile's rows stay in L1.
 * The 8-channel loop reads its coefficients from memory each row (broadcast loads): held in registers they
 * pushed the delays out to the stack, and the loop ran about 20 % slower.
 */
const TILE: i32 = 64;

/**
 * sos: numSections × 6 float64 [b0 b1 b2 a0 a1 a2], divided through by a0 in place (so a0 becomes 1;
 * a second call finds it so and changes nothing); state: numSections × 2 × numChannels float64,
 * (section s, delay d, channel c) at (s*2 + d)*numChannels + c, read and updated.
 */
export function sosfilt(pSos: usize, numSections: i32, pX: usize, numSamples: i32, numChannels: i32, pState: usize, backward: bool): void {
  normalizeSections(pSos, numSections);
  const nc = numChannels;
  const rowBytes = <isize>nc * 4;
  for (let done = 0; done < numSamples; done += TILE) {
    const rows = min(TILE, numSamples - done);
    // First row of this tile in processing order and the step to the next one.
    const first = backward ? numSamples - 1 - done : done;
    const step: isize = backward ? -rowBytes : rowBytes;
    const pRow = pX + <usize>first * <usize>rowBytes;
    let c = 0;
    for (; c + 8 <= nc; c += 8) {
      for (let s = 0; s < numSections; s++) {
        const pz = pState + <usize>(s * 2 * nc + c) * 8;
        run8(pSos + <usize>s * 48, pRow + <usize>c * 4, step, rows, pz, pz + <usize>nc * 8);
      }
    }
    for (; c + 4 <= nc; c += 4) {
      for (let s = 0; s < numSections; s++) {
        const pz = pState + <usize>(s * 2 * nc + c) * 8;
        run4(pSos + <usize>s * 48, pRow + <usize>c * 4, step, rows, pz, pz + <usize>nc * 8);
      }
    }
    for (; c < nc; c++) {
      for (let s = 0; s < numSections; s++) {
        const pz = pState + <usize>(s * 2 * nc + c) * 8;
        run1(pSos + <usize>s * 48, pRow + <usize>c * 4, step, rows, pz, pz + <usize>nc * 8);
      }
    }
  }
}

/** Each section's coefficients divided by its a0: the values coef() computes, stored for broadcast loads. */
function normalizeSections(pSos: usize, numSections: i32): void {
  for (let s = 0; s < numSections; s++) {
    const pSec = pSos + <usize>s * 48;
    const a0 = load<f64>(pSec + 24);
    for (let i = 0; i < 6; i++) if (i != 3) store<f64>(pSec + <usize>i * 8, load<f64>(pSec + <usize>i * 8) / a0);
    store<f64>(pSec + 24, 1.0);
  }
}

// @ts-ignore: decorator
@inline function coef(pSec: usize, i: i32): f64 {
  return load<f64>(pSec + <usize>i * 8) / load<f64>(pSec + 24);
}

/** f32x4 of y's two f64x2 halves. */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/**
 * One section over `rows` rows for 8 channels (four independent f64x2 chains hide the add latency);
 * coefficients already divided by a0 (normalizeSections), broadcast from memory where they are used.
 */
function run8(pSec: usize, p: usize, step: isize, rows: i32, pz0: usize, pz1: usize): void {
  let z0a = v128.load(pz0), z0b = v128.load(pz0, 16), z0c = v128.load(pz0, 32), z0d = v128.load(pz0, 48);
  let z1a = v128.load(pz1), z1b = v128.load(pz1, 16), z1c = v128.load(pz1, 32), z1d = v128.load(pz1, 48);
  for (let i = 0; i < rows; i++, p += step) {
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const xa = f64x2.promote_low_f32x4(v0), xb = highHalf(v0);
    const xc = f64x2.promote_low_f32x4(v1), xd = highHalf(v1);
    const b0 = v128.load64_splat(pSec);
    const ya = f64x2.add(f64x2.mul(b0, xa), z0a);
    const yb = f64x2.add(f64x2.mul(b0, xb), z0b);
    const yc = f64x2.add(f64x2.mul(b0, xc), z0c);
    const yd = f64x2.add(f64x2.mul(b0, xd), z0d);
    const b1 = v128.load64_splat(pSec, 8), a1 = v128.load64_splat(pSec, 32);
    z0a = f64x2.add(f64x2.sub(f64x2.mul(b1, xa), f64x2.mul(a1, ya)), z1a);
    z0b = f64x2.add(f64x2.sub(f64x2.mul(b1, xb), f64x2.mul(a1, yb)), z1b);
    z0c = f64x2.add(f64x2.sub(f64x2.mul(b1, xc), f64x2.mul(a1, yc)), z1c);
    z0d = f64x2.add(f64x2.sub(f64x2.mul(b1, xd), f64x2.mul(a1, yd)), z1d);
    const b2 = v128.load64_splat(pSec, 16), a2 = v128.load64_splat(pSec, 40);
    z1a = f64x2.sub(f64x2.mul(b2, xa), f64x2.mul(a2, ya));
    z1b = f64x2.sub(f64x2.mul(b2, xb), f64x2.mul(a2, yb));
    z1c = f64x2.sub(f64x2.mul(b2, xc), f64x2.mul(a2, yc));
    z1d = f64x2.sub(f64x2.mul(b2, xd), f64x2.mul(a2, yd));
    v128.store(p, narrow(ya, yb));
    v128.store(p, narrow(yc, yd), 16);
  }
  v128.store(pz0, z0a); v128.store(pz0, z0b, 16); v128.store(pz0, z0c, 32); v128.store(pz0, z0d, 48);
  v128.store(pz1, z1a); v128.store(pz1, z1b, 16); v128.store(pz1, z1c, 32); v128.store(pz1, z1d, 48);
}

function run4(pSec: usize, p: usize, step: isize, rows: i32, pz0: usize, pz1: usize): void {
  const b0 = f64x2.splat(coef(pSec, 0)), b1 = f64x2.splat(coef(pSec, 1)), b2 = f64x2.splat(coef(pSec, 2));
  const a1 = f64x2.splat(coef(pSec, 4)), a2 = f64x2.splat(coef(pSec, 5));
  let z0a = v128.load(pz0), z0b = v128.load(pz0, 16);
  let z1a = v128.load(pz1), z1b = v128.load(pz1, 16);
  for (let i = 0; i < rows; i++, p += step) {
    const v0 = v128.load(p);
    const xa = f64x2.promote_low_f32x4(v0), xb = highHalf(v0);
    const ya = f64x2.add(f64x2.mul(b0, xa), z0a);
    const yb = f64x2.add(f64x2.mul(b0, xb), z0b);
    z0a = f64x2.add(f64x2.sub(f64x2.mul(b1, xa), f64x2.mul(a1, ya)), z1a);
    z0b = f64x2.add(f64x2.sub(f64x2.mul(b1, xb), f64x2.mul(a1, yb)), z1b);
    z1a = f64x2.sub(f64x2.mul(b2, xa), f64x2.mul(a2, ya));
    z1b = f64x2.sub(f64x2.mul(b2, xb), f64x2.mul(a2, yb));
    v128.store(p, narrow(ya, yb));
  }
  v128.store(pz0, z0a); v128.store(pz0, z0b, 16);
  v128.store(pz1, z1a); v128.store(pz1, z1b, 16);
}

function run1(pSec: usize, p: usize, step: isize, rows: i32, pz0: usize, pz1: usize): void {
  const b0 = coef(pSec, 0), b1 = coef(pSec, 1), b2 = coef(pSec, 2);
  const a1 = coef(pSec, 4), a2 = coef(pSec, 5);
  let z0 = load<f64>(pz0), z1 = load<f64>(pz1);
  for (let i = 0; i < rows; i++, p += step) {
    const x = <f64>load<f32>(p);
    const y = b0 * x + z0;
    z0 = b1 * x - a1 * y + z1;
    z1 = b2 * x - a2 * y;
    store<f32>(p, <f32>y);
  }
  store<f64>(pz0, z0);
  store<f64>(pz1, z1);
}
