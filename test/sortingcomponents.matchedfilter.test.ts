import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { loadWasmKernels } from '../src/kernels/wasmnode.js';
import { matchedFilter } from '../src/sortingcomponents/detection.js';

/** Independent reference: the definition, one output value at a time in float64. */
function reference(x: Float32Array, ns: number, nc: number, h: Float32Array, peak: number, scale: Float32Array): Float64Array {
  const out = new Float64Array(ns * nc);
  for (let t = 0; t < ns; t++) {
    if (t - peak < 0 || t - peak + h.length >= ns) continue; // the whole prototype and one row of room must fit
    for (let c = 0; c < nc; c++) {
      let s = 0;
      for (let k = 0; k < h.length; k++) s += h[k] * x[(t - peak + k) * nc + c];
      out[t * nc + c] = s * scale[c];
    }
  }
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const wasm = loadWasmKernels();
for (const [name, kernels] of [['ts', tsKernels], ['wasm', wasm]] as const) {
  test(`matchedFilter (${name} kernels) equals the direct correlation, zero outside the scored rows`, { skip: kernels ? false : 'WASM kernels not built' }, () => {
    const prev = getKernels();
    setKernels(kernels!);
    try {
      const r = random(3);
      for (const [ns, nc, len, peak] of [[500, 7, 61, 20], [90, 3, 90, 89], [64, 5, 64, 0], [40, 2, 50, 10]]) {
        const x = Float32Array.from({ length: ns * nc }, () => 10 * r());
        const h = Float32Array.from({ length: len }, () => r());
        const scale = Float32Array.from({ length: nc }, (_, c) => 0.5 + c);
        const got = matchedFilter(x, ns, nc, h, peak, scale);
        const want = reference(x, ns, nc, h, peak, scale);
        assert.equal(got.length, ns * nc);
        for (let i = 0; i < want.length; i++) {
          // float32 accumulation over ≤ 90 taps of values ≤ 5: a few 1e-5 absolute at most.
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `ns ${ns} nc ${nc} len ${len}: index ${i} got ${got[i]}, want ${want[i]}`);
        }
      }
    } finally {
      setKernels(prev);
    }
  });
}
