/**
 * normalizeInt16 against the arithmetic written here (int16 × float64 gain rounded to float32, then ×
 * float32 scale rounded to float32) and against dequantizeInt16 + scaleChannels, bit for bit, on both
 * backends, with channel counts that are not multiples of 4 and (WASM) blocks smaller than the input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '../src/kernels/tsbackend.js';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function backends(): Array<[string, Kernels]> {
  return kernelBackends([1 << 20, 4096]);
}

test('normalizeInt16 equals fround(fround(q · gain) · scale) and dequantize + scale, bit for bit', () => {
  for (const nc of [384, 7]) {
    const nt = 301;
    const q = Int16Array.from(randomArray(nt * nc, nc), (v) => Math.round(v * 32767));
    q[0] = 0;
    q[1] = -32767;
    const gain = Float64Array.from(randomArray(nc, 5), (v, c) => (c === 2 ? -1 : 1) * (0.05 + Math.abs(v)) / 3);
    const scale = Float32Array.from(randomArray(nc, 6), (v, c) => (c === 3 ? 0 : 0.2 + Math.abs(v)));
    const want = new Float32Array(nt * nc);
    for (let i = 0; i < want.length; i++) want[i] = Math.fround(Math.fround(q[i] * gain[i % nc]) * scale[i % nc]);
    for (const [name, k] of backends()) {
      const got = new Float32Array(nt * nc);
      k.normalizeInt16(q, nc, gain, scale, got);
      const twoStep = new Float32Array(nt * nc);
      k.dequantizeInt16(q, nc, gain, twoStep);
      k.scaleChannels(twoStep, nc, scale, twoStep);
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(got[i], want[i]) || !Object.is(got[i], twoStep[i])) assert.fail(`${name}, ${nc} channels: value ${i}: ${got[i]} vs ${want[i]} (two-step ${twoStep[i]})`);
      }
    }
  }
  assert.throws(() => tsKernels.normalizeInt16(new Int16Array(10), 4, new Float64Array(4), new Float32Array(4), new Float32Array(10)), /not a multiple of 4 channels/);
});
