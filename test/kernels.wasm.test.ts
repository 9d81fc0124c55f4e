/**
 * The WebAssembly SIMD backend against the plain-TS reference, on random inputs of awkward shapes, with the
 * host-side blocking both at its defaults and shrunk so every block boundary is crossed. Tolerances:
 * median is the same selection as the reference, so it must agree exactly; sosfilt runs in float32 against
 * the reference's float64 (bound stated in its test); gemm, covariance and correlate accumulate in float32 in a
 * different order, so they agree within a few float32 roundings of Σ|terms| (bounds stated per test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { defaultWasmKernelsPath, loadWasmKernels, selectBestKernels } from '../src/kernels/wasmnode.js';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';

const wasmFile = defaultWasmKernelsPath();
const built = fs.existsSync(wasmFile);
// CI builds the module, so there a missing file fails the tests instead of skipping them.
const skip = built || process.env.CI ? false : `${wasmFile} not built: run node scripts/build-wasm.mjs <tsc outDir>`;

function backends(): Array<[string, Kernels]> {
  const bytes = new Uint8Array(fs.readFileSync(wasmFile));
  const defaults = loadWasmKernels(wasmFile);
  // Tiny blocks: every kernel streams several blocks even on these small inputs.
  const tiny = createWasmKernels(bytes, wasmFile, { streamBlockBytes: 512, gemmKb: 24, gemmNb: 16, gemmBudgetFloats: 2000 });
  assert.ok(defaults && tiny, 'this Node has WebAssembly SIMD, so the backend must load');
  return [['default blocks', defaults], ['tiny blocks', tiny]];
}

/** Deterministic uniform(-1, 1) values (LCG), so failures reproduce. */

test('wasm gemm matches the TS reference for all transposes, odd sizes, strides, alpha and beta (|err| ≤ 1e-5·√k)', { skip }, () => {
  const shapes = [[1, 1, 1], [5, 7, 3], [13, 9, 300], [130, 67, 17], [4, 4, 513], [3, 70, 41], [66, 33, 1]];
  for (const [label, wasm] of backends()) {
    let seed = 1;
    for (const [m, n, k] of shapes) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const lda = (tA ? m : k) + 2;
          const ldb = (tB ? k : n) + 1;
          const ldc = n + 3;
          const A = randomArray((tA ? k : m) * lda, seed++);
          const B = randomArray((tB ? n : k) * ldb, seed++);
          const C0 = randomArray(m * ldc, seed++);
          for (const [alpha, beta] of [[0.7, 0.3], [1, 0], [-1.5, 1]]) {
            const want = C0.slice();
            const got = C0.slice();
            tsKernels.gemm(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, want, ldc);
            wasm.gemm(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, got, ldc);
            // Entries are sums of k products of values in (−1, 1): float32 error grows like √k · 6e-8.
            const tol = 1e-5 * Math.sqrt(k) * Math.abs(alpha) + 1e-6;
            for (let i = 0; i < got.length; i++) {
              assert.ok(Math.abs(got[i] - want[i]) <= tol, `${label} ${m}x${n}x${k} tA=${tA} tB=${tB} α=${alpha} β=${beta} [${i}]: ${got[i]} vs ${want[i]}`);
            }
          }
        }
      }
    }
    // beta = 0 overwrites C, NaN included.
    const C = new Float32Array(4).fill(NaN);
    wasm.gemm(false, false, 2, 2, 1, 1, Float32Array.of(1, 2), 1, Float32Array.of(3, 4), 2, 0, C, 2);
    assert.deepEqual(Array.from(C), [3, 4, 6, 8]);
    assert.throws(() => wasm.gemm(false, false, 3, 3, 3, 1, new Float32Array(8), 3, new Float32Array(9), 3, 0, new Float32Array(9), 3), /A \(3 × 3/);
  }
});

/** Stable section with complex poles at radius r, angle theta, and the given numerator. */
function section(b: [number, number, number], r: number, theta: number): number[] {
  return [...b, 1, -2 * r * Math.cos(theta), r * r];
}

test('wasm sosfilt (float32) matches the float64 TS reference (≤ 1e-3 of the output range) forward and backward, chained over uneven blocks', { skip }, () => {
  // The WASM kernel computes in float32 (4 channels per SIMD vector), the reference in float64. A pole at
  // radius 0.995 amplifies float32 rounding about 200×: measured 1.9e-4 of the range here (outputs and
  // delays); the real 300 Hz high-pass stays near 1e-5 (kernels.sosfilt.test.ts checks it bit for bit
  // against a float32 filter).
  // Three sections, one with poles near the unit circle as a high-pass at a low cutoff has.
  const sos = Float64Array.from([
    ...section([0.2, -0.1, 0.05], 0.8, 0.9),
    ...section([1, -2, 1], 0.995, 0.01),
    ...section([0.5, 0.5, 0], 0.6, 0).map((v, i) => (i === 5 ? 0 : i === 4 ? -0.6 : v)),
  ]);
  const nsec = sos.length / 6;
  const splits = [0, 1, 37, 130, 131, 300];
  for (const [label, wasm] of backends()) {
    for (const nc of [1, 3, 4, 5, 8, 12, 13, 37]) {
      const nt = splits[splits.length - 1];
      const x = randomArray(nt * nc, 7 + nc);
      for (const backward of [false, true]) {
        const want = x.slice();
        const got = x.slice();
        const sWant = Float64Array.from(randomArray(nsec * 2 * nc, 3), (v) => 0.1 * v);
        const sGot = sWant.slice();
        for (let b = 0; b + 1 < splits.length; b++) {
          // Backward filtering takes the blocks from the end of the signal.
          const [t0, t1] = backward ? [nt - splits[b + 1], nt - splits[b]] : [splits[b], splits[b + 1]];
          tsKernels.sosfilt(sos, want.subarray(t0 * nc, t1 * nc), nc, sWant, backward);
          wasm.sosfilt(sos, got.subarray(t0 * nc, t1 * nc), nc, sGot, backward);
        }
        let range = 0;
        for (const v of want) range = Math.max(range, Math.abs(v));
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-3 * range, `${label} nc=${nc} backward=${backward} [${i}]: ${got[i]} vs ${want[i]}`);
        }
        for (let i = 0; i < sGot.length; i++) assert.ok(Math.abs(sGot[i] - sWant[i]) <= 1e-3 * range, `${label} state[${i}]`);
      }
    }
    assert.throws(() => wasm.sosfilt(sos, new Float32Array(10), 3, new Float64Array(nsec * 6), false), /not a multiple of 3 channels/);
    assert.throws(() => wasm.sosfilt(sos, new Float32Array(9), 3, new Float64Array(5), false), /state has 5 values/);
  }
});

test('wasm medianAcrossChannels returns exactly the reference medians (odd, even, repeated, single, empty subsets; strided out)', { skip }, () => {
  for (const [label, wasm] of backends()) {
    for (const nc of [1, 4, 7, 32, 65]) {
      const nt = 203;
      const x = randomArray(nt * nc, 11 + nc);
      // Quantised copies make ties, which exercise the equal-to-pivot paths of quickselect.
      const xq = x.map((v) => Math.round(v * 3) / 3);
      const all = Int32Array.from({ length: nc }, (_, c) => c);
      const evens = all.filter((c) => c % 2 === 0);
      const reversed = all.slice().reverse().subarray(0, Math.max(1, nc - 1));
      for (const data of [x, xq]) {
        for (const subset of [all, evens, reversed, Int32Array.of(nc - 1), new Int32Array(0)]) {
          for (const [stride, offset] of [[1, 0], [3, 2]]) {
            const want = new Float32Array(nt * stride + offset).fill(-7);
            const got = want.slice();
            tsKernels.medianAcrossChannels(data, nc, subset, want, stride, offset);
            wasm.medianAcrossChannels(data, nc, subset, got, stride, offset);
            assert.deepEqual(got, want, `${label} nc=${nc} subset=${subset.length} stride=${stride}`);
          }
        }
      }
    }
    assert.throws(() => wasm.medianAcrossChannels(new Float32Array(8), 4, Int32Array.of(0, 4), new Float32Array(2), 1, 0), /subset\[1\] = 4/);
  }
});

test('wasm accumulateCovariance matches the reference (|err| ≤ 1e-6·√(acc_ii·acc_jj)) and accumulates onto acc', { skip }, () => {
  for (const [label, wasm] of backends()) {
    for (const [nc, nt] of [[1, 10], [5, 2500], [33, 1100], [8, 0]]) {
      const x = randomArray(nt * nc, 21 + nc);
      const init = Float64Array.from(randomArray(nc * nc, 5), (v) => 100 * v);
      const want = init.slice();
      const got = init.slice();
      tsKernels.accumulateCovariance(x, nc, want);
      // Two calls check that acc is added to, not overwritten.
      wasm.accumulateCovariance(x.subarray(0, Math.floor(nt / 3) * nc), nc, got);
      wasm.accumulateCovariance(x.subarray(Math.floor(nt / 3) * nc), nc, got);
      for (let i = 0; i < nc; i++) {
        for (let j = 0; j < nc; j++) {
          const scale = Math.sqrt((want[i * nc + i] - init[i * nc + i] + 1) * (want[j * nc + j] - init[j * nc + j] + 1));
          const d = Math.abs(got[i * nc + j] - want[i * nc + j]);
          assert.ok(d <= 1e-6 * scale + 1e-9 * Math.abs(init[i * nc + j]), `${label} nc=${nc} nt=${nt} (${i},${j}): ${got[i * nc + j]} vs ${want[i * nc + j]}`);
        }
      }
    }
    assert.throws(() => wasm.accumulateCovariance(new Float32Array(6), 3, new Float64Array(8)), /acc has 8 values, expected 9/);
  }
});

test('wasm correlateChannels matches the reference (|err| ≤ 1e-5·Σ|w|·max|x|), zero taps skipped', { skip }, () => {
  for (const [label, wasm] of backends()) {
    for (const nc of [1, 3, 4, 7, 36, 70]) {
      for (const [taps, nf] of [[1, 1], [5, 3], [61, 2]]) {
        const nt = 150;
        const x = randomArray(nt * nc, 31 + nc + taps);
        const filters = randomArray(nf * taps, 41 + taps);
        if (taps > 2) filters[1] = 0;
        const nOut = nt - taps + 1;
        const want = new Float32Array(nf * nOut * nc);
        const got = new Float32Array(want.length).fill(NaN);
        tsKernels.correlateChannels(x, nc, filters, taps, want);
        wasm.correlateChannels(x, nc, filters, taps, got);
        for (let f = 0; f < nf; f++) {
          let l1 = 0;
          for (let j = 0; j < taps; j++) l1 += Math.abs(filters[f * taps + j]);
          for (let i = f * nOut * nc; i < (f + 1) * nOut * nc; i++) {
            assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * l1, `${label} nc=${nc} taps=${taps} f=${f} [${i}]: ${got[i]} vs ${want[i]}`);
          }
        }
      }
    }
    // An Inf sample under a zero tap leaves the output finite, as in the reference.
    const x = Float32Array.of(1, Infinity, 2, 3);
    const out = new Float32Array(2);
    wasm.correlateChannels(x, 1, Float32Array.of(1, 0, 1), 3, out);
    assert.deepEqual(Array.from(out), [3, Infinity]);
    assert.throws(() => wasm.correlateChannels(new Float32Array(10), 2, new Float32Array(3), 3, new Float32Array(5)), /out has 5 values, expected 6/);
  }
});

test('selectBestKernels honours SPIKEFORGE_KERNELS and the wasm backend keeps every reference method', { skip }, () => {
  assert.equal(selectBestKernels('ts'), tsKernels);
  assert.equal(selectBestKernels('wasm').name, 'wasm');
  assert.equal(selectBestKernels('').name, 'wasm');
  assert.equal(selectBestKernels('auto').name, 'wasm');
  assert.throws(() => selectBestKernels('gpu'), /unknown kernel backend: use ts, wasm or auto/);
  const wasm = selectBestKernels('wasm') as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(tsKernels)) assert.equal(typeof wasm[name], typeof fn, name);
});

test('selectBestKernels falls back to TS when kernels.wasm is absent, and wasm mode says how to fix it', () => {
  const saved = process.env.SPIKEFORGE_WASM;
  process.env.SPIKEFORGE_WASM = '/nonexistent/kernels.wasm';
  try {
    assert.equal(selectBestKernels('auto'), tsKernels);
    assert.throws(() => selectBestKernels('wasm'), /kernels\.wasm is missing.*npm run build/);
  } finally {
    if (saved === undefined) delete process.env.SPIKEFORGE_WASM;
    else process.env.SPIKEFORGE_WASM = saved;
  }
});
