/**
 * The per-channel scaling kernels (int16 encoding of the trace cache, its decoding, noise normalisation):
 * the TS reference against independent per-element formulas, and the WASM backend against the TS
 * reference bit for bit (same float64 / exact float32 arithmetic), with blocks at their defaults and
 * shrunk so every block boundary is crossed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { defaultWasmKernelsPath, loadWasmKernels } from '../src/kernels/wasmnode.js';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';

const wasmFile = defaultWasmKernelsPath();
const skip = fs.existsSync(wasmFile) || process.env.CI ? false : `${wasmFile} not built: run node scripts/build-wasm.mjs <tsc outDir>`;

function wasmBackends(): Array<[string, Kernels]> {
  const defaults = loadWasmKernels(wasmFile);
  const tiny = createWasmKernels(new Uint8Array(fs.readFileSync(wasmFile)), wasmFile, { streamBlockBytes: 512 });
  assert.ok(defaults && tiny, 'this Node has WebAssembly SIMD, so the backend must load');
  return [['default blocks', defaults], ['tiny blocks', tiny]];
}

/** µV-like values (±400 with noise-sized gains gives ±~5000 steps), plus edge values on channel 0 and the last. */
function block(nt: number, nc: number, seed: number): Float32Array {
  const x = randomArray(nt * nc, seed).map((v) => v * 400);
  const edge = [NaN, Infinity, -Infinity, 1e9, -1e9, 2.5, -2.5, -0.5, 0.5, 0, -0, 32767.4, -32767.6];
  edge.forEach((v, i) => {
    if (i < nt) {
      x[i * nc] = v;
      x[i * nc + nc - 1] = v;
    }
  });
  return x;
}

function gainsFor(nc: number): Float64Array {
  // Channel 0 has gain 1 so its edge values are rounded as given (ties at ±2.5, ±0.5); the last has a big step.
  return Float64Array.from({ length: nc }, (_, c) => (c === 0 ? 1 : c === nc - 1 ? 100 : 0.05 + c / 97));
}

// 12 channels: the kernel's 8-wide then 4-wide paths with no scalar tail.
const SHAPES: [number, number][] = [[40, 7], [33, 384], [1, 1], [25, 5], [17, 12]];

test('quantizeInt16 (TS) rounds half up, clips at ±32767, maps NaN to 0 and counts the clips', () => {
  for (const [nt, nc] of SHAPES) {
    const x = block(nt, nc, nt + nc);
    const inv = gainsFor(nc).map((g) => 1 / g);
    const out = new Int16Array(x.length);
    const clipped = tsKernels.quantizeInt16(x, nc, inv, out);
    let want = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] * inv[i % nc];
      // Math.round is round-half-up too; it differs from floor(v + 0.5) only within an ulp of a half.
      const rounded = Math.round(v);
      const r = Number.isNaN(v) ? 0 : Math.max(-32767, Math.min(32767, rounded)) + 0; // + 0: int16 has no -0
      if (Math.abs(rounded) > 32767) want++;
      assert.equal(out[i], r, `value ${x[i]} × ${inv[i % nc]}`);
    }
    assert.equal(clipped, want);
  }
  const ties = new Int16Array(4);
  tsKernels.quantizeInt16(Float32Array.from([2.5, -2.5, -0.5, 0.49999997]), 1, Float64Array.of(1), ties);
  assert.deepEqual(Array.from(ties), [3, -2, 0, 0]);
});

test('dequantizeInt16 and scaleChannels (TS) equal the per-element float32 products', () => {
  for (const [nt, nc] of SHAPES) {
    const q = Int16Array.from(randomArray(nt * nc, 3 + nt), (v) => Math.round(v * 32767));
    const g = gainsFor(nc);
    const uv = new Float32Array(q.length);
    tsKernels.dequantizeInt16(q, nc, g, uv);
    q.forEach((v, i) => assert.equal(uv[i], Math.fround(v * g[i % nc])));
    const s = Float32Array.from(g, (v) => 1 / v);
    const norm = new Float32Array(q.length);
    tsKernels.scaleChannels(uv, nc, s, norm);
    uv.forEach((v, i) => assert.equal(norm[i], Math.fround(v * s[i % nc])));
  }
});

test('wasm quantizeInt16, dequantizeInt16 and scaleChannels equal the TS reference exactly', { skip }, () => {
  for (const [label, wasm] of wasmBackends()) {
    for (const [nt, nc] of SHAPES) {
      const x = block(nt, nc, 7 * nt + nc);
      const g = gainsFor(nc);
      const inv = g.map((v) => 1 / v);
      const a = new Int16Array(x.length);
      const b = new Int16Array(x.length);
      assert.equal(wasm.quantizeInt16(x, nc, inv, b), tsKernels.quantizeInt16(x, nc, inv, a), `${label} ${nt}×${nc}: clip count`);
      assert.deepEqual(b, a, `${label} ${nt}×${nc}: quantizeInt16`);
      const ua = new Float32Array(x.length);
      const ub = new Float32Array(x.length);
      tsKernels.dequantizeInt16(a, nc, g, ua);
      wasm.dequantizeInt16(a, nc, g, ub);
      assert.deepEqual(ub, ua, `${label} ${nt}×${nc}: dequantizeInt16`);
      const s = Float32Array.from(inv);
      const na = new Float32Array(x.length);
      const nb = new Float32Array(x.length);
      tsKernels.scaleChannels(x, nc, s, na);
      wasm.scaleChannels(x, nc, s, nb);
      assert.deepEqual(nb, na, `${label} ${nt}×${nc}: scaleChannels`);
    }
    assert.throws(() => wasm.quantizeInt16(new Float32Array(10), 3, new Float64Array(3), new Int16Array(10)), /not a multiple of 3 channels/);
  }
});
