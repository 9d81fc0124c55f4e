/**
 * int16MadSteps (noise levels on the int16 trace cache) against MADs written here by sorting each
 * channel's copy: exact where the median and the MAD lie inside ±4096 steps, -1 where they clearly do
 * not, and the same output on every backend (WASM streamed in small blocks too, when built).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

function sortedMad(v: number[]): number {
  const k = v.length >> 1;
  const med = [...v].sort((a, b) => a - b)[k];
  return v.map((x) => Math.abs(x - med)).sort((a, b) => a - b)[k];
}

/** Channel kinds (c mod 7): 0 noise, 1 median far past the histogram, 2 MAD far wider than it, 3 saturated spikes, 4 ties, 5 near the edge. */
function block(ns: number, nc: number, seed: number): Int16Array {
  const rand = seededRandom(seed);
  const out = new Int16Array(ns * nc);
  for (let t = 0; t < ns; t++) {
    for (let c = 0; c < nc; c++) {
      let v = 43 * (1 + (c % 5) / 4) * gaussian(rand);
      const kind = c % 7;
      if (kind === 1) v += 20000;
      if (kind === 2) v *= 300;
      if (kind === 3 && t % 31 === 0) v = t % 2 ? 32767 : -32768;
      if (kind === 4) v = Math.floor(rand() * 3) - 1;
      if (kind === 5) v = v / 8 - 4000;
      out[t * nc + c] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
  }
  return out;
}

test('int16MadSteps: exact MADs inside the histogram, -1 far outside it, the same on every backend', () => {
  const backends = kernelBackends([undefined, 1000]);
  for (const [ns, nc] of [[0, 3], [1, 7], [2, 9], [1001, 14], [4000, 37]]) {
    const raw = block(ns, nc, ns + nc);
    const outs = backends.map(([name, k]) => {
      const out = new Float64Array(nc + 1).fill(-7);
      k.int16MadSteps(raw, ns, nc, out);
      assert.equal(out[nc], -7, `${name}: wrote past numChannels`);
      return out;
    });
    for (let c = 0; c < nc; c++) {
      const col = Array.from({ length: ns }, (_, t) => raw[t * nc + c]);
      const kind = c % 7;
      const exact = ns === 0 ? 0 : sortedMad(col);
      // Kinds 1 and 2 lie far outside the histogram once there are enough rows (a few rows may fall inside,
      // and a single saturated row of kind 3 outside).
      const outside = (kind === 1 && ns > 0) || (kind === 2 && ns >= 1000);
      const inside = kind !== 1 && kind !== 2 && !(kind === 3 && ns < 100);
      backends.forEach(([name], b) => {
        const got = outs[b][c];
        const what = `${name} ${ns}×${nc}: channel ${c} (kind ${kind}) gave ${got}, sorted copy ${exact}`;
        if (outside) assert.equal(got, -1, what);
        else if (inside) assert.equal(got, exact, what);
        else assert.ok(got === -1 || got === exact, what);
        assert.equal(got, outs[0][c], `${what}: differs from ${backends[0][0]}`);
      });
    }
  }
});

test('int16MadSteps rejects a block too short for its rows', () => {
  for (const [name, k] of kernelBackends()) {
    assert.throws(() => k.int16MadSteps(new Int16Array(10), 4, 3, new Float64Array(3)), /cannot hold 4 rows of 3 channels/, name);
  }
});
