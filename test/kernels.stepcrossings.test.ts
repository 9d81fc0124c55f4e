/**
 * stepCrossings (the motion peaks' integer threshold scan on cached int16 steps): both backends against
 * a brute-force check of every index, with limits at the int16 extremes (never / always crossing),
 * channel counts that leave a scalar tail after the SIMD groups, and WASM blocks shrunk so that rows
 * cross block boundaries. Integer comparisons: the indices must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { defaultWasmKernelsPath, loadWasmKernels } from '../src/kernels/wasmnode.js';
import type { Kernels } from '../src/kernels/types.js';
import { mulberry32 } from '../src/core/random.js';

const wasmFile = defaultWasmKernelsPath();
const skipWasm = fs.existsSync(wasmFile) || process.env.CI ? false : `${wasmFile} not built: run node scripts/build-wasm.mjs <tsc outDir>`;

function bruteForce(steps: Int16Array, nc: number, below: Int32Array, above: Int32Array): number[] {
  const out: number[] = [];
  steps.forEach((q, i) => {
    if (q <= below[i % nc] || q >= above[i % nc]) out.push(i);
  });
  return out;
}

/** Gaussian-ish steps (sd ~64) with a few large excursions, and limits of every kind per channel. */
function randomCase(nc: number, nt: number, seed: number): { steps: Int16Array; below: Int32Array; above: Int32Array } {
  const rand = mulberry32(seed);
  const steps = new Int16Array(nc * nt);
  for (let i = 0; i < steps.length; i++) {
    const g = (rand() + rand() + rand() + rand() - 2) * 110;
    steps[i] = rand() < 0.002 ? (rand() < 0.5 ? -32768 : 32767) : Math.round(g);
  }
  const below = new Int32Array(nc);
  const above = new Int32Array(nc);
  for (let c = 0; c < nc; c++) {
    const kind = c % 5;
    below[c] = kind === 0 ? -32769 : kind === 1 ? 32767 : -Math.round(40 + 100 * rand());
    above[c] = kind === 2 ? 32768 : kind === 3 ? -32768 : Math.round(40 + 100 * rand());
  }
  return { steps, below, above };
}

function check(k: Kernels, label: string): void {
  for (const [nc, nt] of [[1, 50], [3, 40], [4, 33], [7, 29], [384, 61], [385, 20]] as const) {
    const { steps, below, above } = randomCase(nc, nt, nc * 1000 + nt);
    const want = bruteForce(steps, nc, below, above);
    assert.ok(want.length > 0 && want.length < steps.length, `case ${nc}×${nt} exercises both outcomes`);
    assert.deepEqual(Array.from(k.stepCrossings(steps, nc, below, above)), want, `${label}: ${nc} channels × ${nt} rows`);
  }
  assert.equal(k.stepCrossings(new Int16Array(0), 4, new Int32Array(4), new Int32Array(4)).length, 0);
}

test('TS stepCrossings returns exactly the indices at or beyond the per-channel limits', () => {
  check(tsKernels, 'ts');
});

test('WASM stepCrossings equals the brute-force indices with default and tiny blocks', { skip: skipWasm }, () => {
  const defaults = loadWasmKernels(wasmFile);
  const tiny = createWasmKernels(new Uint8Array(fs.readFileSync(wasmFile)), wasmFile, { streamBlockBytes: 512 });
  assert.ok(defaults && tiny);
  check(defaults, 'wasm default blocks');
  check(tiny, 'wasm tiny blocks');
});

test('stepCrossings rejects a block that is not whole rows, and too few limits', () => {
  assert.throws(() => tsKernels.stepCrossings(new Int16Array(7), 4, new Int32Array(4), new Int32Array(4)), /not a multiple of 4 channels/);
  assert.throws(() => tsKernels.stepCrossings(new Int16Array(8), 4, new Int32Array(3), new Int32Array(4)), /3 lower and 4 upper limits/);
});
