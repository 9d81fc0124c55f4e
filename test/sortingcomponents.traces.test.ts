/**
 * readNormalized on int16 recordings: with zero offsets and positive gains (the trace cache) it runs on the
 * kernels' dequantize + scale; every value must equal, bit for bit (zero signs included), the float32 µV
 * value (raw × gain + offset, offset 0) times the channel's scale computed here, on both kernel backends, and a negative gain (the other
 * path) must give the same too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { defaultWasmKernelsPath, loadWasmKernels } from '../src/kernels/wasmnode.js';
import type { Kernels } from '../src/kernels/types.js';
import { readNormalized } from '../src/sortingcomponents/traces.js';
import { randomArray } from './helpers/random.js';

function backends(): Kernels[] {
  const out = [tsKernels];
  const file = defaultWasmKernelsPath();
  const wasm = fs.existsSync(file) ? loadWasmKernels(file) : null;
  if (wasm) out.push(wasm);
  return out;
}

function recording(nc: number, gains: number[]): InMemoryRecording {
  const q = Int16Array.from(randomArray(400 * nc, nc), (v) => Math.round(v * 2000));
  q[2] = 0; // zeros, on the channel whose gain may be negative: µV = 0 · gain + 0 is +0 either way
  q[3] = 0;
  q[nc + 1] = -32767;
  return new InMemoryRecording([q], { samplingFrequency: 1000, channelIds: Array.from({ length: nc }, (_, c) => `ch${c}`), gains, offsets: new Array(nc).fill(0) });
}

test('readNormalized of int16 traces equals fround(fround(q · gain + offset) · scale) on every backend and gain sign', () => {
  const previous = getKernels();
  try {
    for (const nc of [7, 64]) {
      const positive = Array.from({ length: nc }, (_, c) => 0.0713 + c * 0.0137);
      for (const gains of [positive, positive.map((g, c) => (c === 2 ? -g : g))]) {
        const rec = recording(nc, gains);
        const scale = Float32Array.from({ length: nc }, (_, c) => (c === 1 ? 0 : 0.3 + c * 0.01));
        const q = rec.getTraces({ segment: 0 }) as Int16Array;
        for (const k of backends()) {
          setKernels(k);
          const win = readNormalized({ recording: rec, scale }, 0, 10, 390, 20);
          for (let t = 0; t < win.numSamples; t++) {
            for (let c = 0; c < nc; c++) {
              const s = win.firstSample + t;
              const want = s < 0 || s >= 400 ? 0 : Math.fround(Math.fround(q[s * nc + c] * gains[c] + 0) * scale[c]);
              if (!Object.is(win.data[t * nc + c], want)) assert.fail(`${k.name}, ${nc} channels, gain ${gains[2] < 0 ? 'negative' : 'positive'}: row ${t} channel ${c}: ${show(win.data[t * nc + c])} ≠ ${show(want)}`);
            }
          }
        }
      }
    }
  } finally {
    setKernels(previous);
  }
});

/** -0 printed as such (template strings print it as 0). */
function show(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}
