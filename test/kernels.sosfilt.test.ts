/**
 * sosfilt on every backend for sections whose a0 is not 1 (the WASM kernel divides them through by a0 in
 * its own copy before filtering): against a per-channel float64 filter written here (tolerance 1e-6 of the
 * output range: float32 rounding between sections), and bit for bit against the TS reference, on channel
 * counts that take each of the kernel's 8-, 4- and 1-channel paths, chained over uneven blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { butterSos } from '../src/preprocessing/butterworth.js';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';

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

test('sosfilt with a0 ≠ 1: every backend matches a per-channel float64 filter and the TS reference bit for bit; sos is left unchanged', () => {
  const sos = scaledHighpass();
  const sosCopy = sos.slice();
  const nsec = sos.length / 6;
  const splits = [0, 1, 200, 201, 900];
  const nt = splits[splits.length - 1];
  for (const [label, k] of kernelBackends([undefined, 512])) {
    for (const nc of [1, 3, 4, 8, 13, 16, 21]) {
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
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - ref[i]) <= 1e-6 * range, `${label} nc=${nc} backward=${backward} [${i}]: ${got[i]} vs reference ${ref[i]}`);
        }
        const ts = x.slice();
        tsKernels.sosfilt(sos, ts, nc, new Float64Array(nsec * 2 * nc), backward);
        const firstDiff = got.findIndex((v, i) => !Object.is(v, ts[i]));
        assert.equal(firstDiff, -1, `${label} nc=${nc} backward=${backward}: differs from the TS reference at ${firstDiff}`);
        assert.deepEqual(sos, sosCopy, `${label}: the caller's sos was modified`);
      }
    }
  }
});
