/**
 * The WASM median kernel selects each row's median among the values in a window about the previous
 * row's median, falling back to a full selection; on rows that look like a probe's (a shared drifting
 * level plus per-channel noise, with jumps, constant stretches, NaN and ±Infinity) it must return
 * exactly the TS reference's medians, and it must take the window path for most such rows to be worth it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { defaultWasmKernelsPath } from '../src/kernels/wasmnode.js';
import { randomArray } from './helpers/random.js';

const wasmFile = defaultWasmKernelsPath();
const skip = fs.existsSync(wasmFile) || process.env.CI ? false : `${wasmFile} not built: run node scripts/build-wasm.mjs <tsc outDir>`;

/** nt rows × nc channels: common level (random walk with jumps) + uniform noise; special rows below. */
function probeLike(nt: number, nc: number, seed: number): Float32Array {
  const noise = randomArray(nt * nc, seed);
  const steps = randomArray(nt, seed + 1);
  const x = new Float32Array(nt * nc);
  let level = 0;
  for (let t = 0; t < nt; t++) {
    level += steps[t] * 2 + (t % 97 === 0 ? 300 : 0) - (t % 89 === 0 ? 250 : 0);
    for (let c = 0; c < nc; c++) x[t * nc + c] = level + 20 * noise[t * nc + c];
  }
  const row = (t: number) => x.subarray(t * nc, (t + 1) * nc);
  row(10).fill(3.5); // constant rows
  row(11).fill(3.5);
  row(12).fill(-1e30);
  row(20)[5] = NaN;
  row(30)[0] = Infinity;
  row(31).fill(Infinity);
  row(32).fill(NaN);
  for (let c = 0; c < nc; c += 3) row(40)[c] = Math.round(row(40)[c]); // ties
  return x;
}

test('wasm medianAcrossChannels equals the reference on probe-like rows (odd and even counts, subsets)', { skip }, () => {
  const bytes = new Uint8Array(fs.readFileSync(wasmFile));
  for (const streamBlockBytes of [1 << 20, 4096]) {
    const wasm = createWasmKernels(bytes, wasmFile, { streamBlockBytes });
    assert.ok(wasm, 'this Node has WebAssembly SIMD');
    for (const nc of [384, 65, 9]) {
      const nt = 3000;
      const x = probeLike(nt, nc, nc);
      const all = Int32Array.from({ length: nc }, (_, c) => c);
      for (const subset of [all, all.subarray(1), all.filter((c) => c % 3 !== 1)]) {
        const want = new Float32Array(nt);
        const got = new Float32Array(nt);
        tsKernels.medianAcrossChannels(x, nc, subset, want, 1, 0);
        wasm.medianAcrossChannels(x, nc, subset, got, 1, 0);
        assert.deepEqual(got, want, `nc ${nc}, ${subset.length} channels, blocks of ${streamBlockBytes} bytes`);
      }
    }
  }
});
