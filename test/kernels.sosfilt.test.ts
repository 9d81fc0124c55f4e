/**
 * sosfilt on every backend for sections whose a0 is not 1 (the WASM kernel divides them through by a0 in
 * its own copy before filtering), on channel counts that take each of the WASM kernel's 16-, 4- and
 * 1-channel paths, chained over uneven blocks:
 * - against a per-channel float64 filter written here. The TS reference keeps float64 delays (tolerance
 *   1e-6 of the output range: float32 rounding between sections). The WASM kernel computes in float32
 *   (4 channels per SIMD vector instead of 2): tolerance 2e-5 of the output range (measured 5e-6), which for a 300 Hz
 *   high-pass is still far below the int16 cache step (1/8 of the noise SD ≈ 1e-3 of the range);
 * - bit for bit against a float32 filter written here (every operation rounded with Math.fround, exactly
 *   float32 arithmetic), so the WASM result cannot drift with the channel count or the block splits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { butterSos } from '../src/preprocessing/butterworth.js';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';

/**
 * Direct-form II transposed in float32, one channel at a time: coefficients divided by a0 in float64 then
 * rounded, z0 = (b1·x + z1) − a1·y (the WASM kernel's order). Math.fround of a float64 sum or product of two
 * float32 values is the correctly rounded float32 result, so this is float32 arithmetic bit for bit.
 */
function float32Filter(sos: Float64Array, x: Float32Array, nc: number, backward: boolean): Float32Array {
  const f = Math.fround;
  const nt = x.length / nc;
  const out = Float32Array.from(x);
  for (let s = 0; s < sos.length / 6; s++) {
    const a0 = sos[s * 6 + 3];
    const [b0, b1, b2, , a1, a2] = Array.from(sos.subarray(s * 6, s * 6 + 6), (v) => f(v / a0));
    for (let c = 0; c < nc; c++) {
      let z0 = 0;
      let z1 = 0;
      for (let k = 0; k < nt; k++) {
        const i = (backward ? nt - 1 - k : k) * nc + c;
        const xi = out[i];
        const y = f(f(b0 * xi) + z0);
        z0 = f(f(f(b1 * xi) + z1) - f(a1 * y));
        z1 = f(f(b2 * xi) - f(a2 * y));
        out[i] = y;
      }
    }
  }
  return out;
}

/** 300 Hz high-pass at 30 kHz (poles near 1), each section scaled by a different factor, so a0 ≠ 1. */
function scaledHighpass(): Float64Array {
  const sos = butterSos({ order: 5, band: 'highpass', frequencies: [300], samplingFrequency: 30000 });
  const factors = [2.5, 0.3, 7];
  return sos.map((v, i) => v * factors[Math.floor(i / 6) % factors.length]);
}

/** Direct-form II transposed, one channel at a time, float64 delays, the signal rounded to float32 between sections. */
function referenceFilter(sos: Float64Array, x: Float32Array, nc: number, backward: boolean): Float32Array {
  const nt = x.length / nc;
  const out = Float32Array.from(x);
  for (let s = 0; s < sos.length / 6; s++) {
    const [b0, b1, b2, a0, a1, a2] = sos.subarray(s * 6, s * 6 + 6);
    for (let c = 0; c < nc; c++) {
      let z0 = 0;
      let z1 = 0;
      for (let k = 0; k < nt; k++) {
        const i = (backward ? nt - 1 - k : k) * nc + c;
        const xi = out[i];
        const y = (b0 / a0) * xi + z0;
        z0 = (b1 / a0) * xi - (a1 / a0) * y + z1;
        z1 = (b2 / a0) * xi - (a2 / a0) * y;
        out[i] = y;
      }
    }
  }
  return out;
}

test('sosfilt with a0 ≠ 1: TS matches a float64 filter (1e-6), WASM a float64 filter (2e-5) and a float32 filter bit for bit; sos is left unchanged', () => {
  const sos = scaledHighpass();
  const sosCopy = sos.slice();
  const nsec = sos.length / 6;
  const splits = [0, 1, 200, 201, 900];
  const nt = splits[splits.length - 1];
  for (const [label, k] of kernelBackends([undefined, 512])) {
    const float32 = label !== 'ts';
    for (const nc of [1, 3, 4, 8, 13, 16, 21, 37]) {
      // Spike-sized values on an offset, as raw traces before the high-pass.
      const x = Float32Array.from(randomArray(nt * nc, 11 + nc), (v, i) => 100 * v + 500 + (i % nc));
      for (const backward of [false, true]) {
        const got = x.slice();
        const state = new Float64Array(nsec * 2 * nc);
        for (let b = 0; b + 1 < splits.length; b++) {
          const [t0, t1] = backward ? [nt - splits[b + 1], nt - splits[b]] : [splits[b], splits[b + 1]];
          k.sosfilt(sos, got.subarray(t0 * nc, t1 * nc), nc, state, backward);
        }
        const ref = referenceFilter(sos, x, nc, backward);
        let range = 0;
        for (const v of ref) range = Math.max(range, Math.abs(v));
        const tol = (float32 ? 2e-5 : 1e-6) * range;
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - ref[i]) <= tol, `${label} nc=${nc} backward=${backward} [${i}]: ${got[i]} vs reference ${ref[i]}`);
        }
        const exact = float32 ? float32Filter(sos, x, nc, backward) : referenceFilter(sos, x, nc, backward);
        const firstDiff = got.findIndex((v, i) => !Object.is(v, exact[i]));
        assert.equal(firstDiff, -1, `${label} nc=${nc} backward=${backward}: differs from the ${float32 ? 'float32' : 'float64'} filter at ${firstDiff}`);
        assert.deepEqual(sos, sosCopy, `${label}: the caller's sos was modified`);
      }
    }
  }
});
