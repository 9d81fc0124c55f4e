/**
 * laggedDots (the motion estimate's cross-correlations) against one plain loop per lag written here: the
 * same bits for every lag, on windows wider and narrower than the lag range, with zeros and sign mixes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { laggedDots } from '../src/motion/estimate.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

function plainDots(w: Float64Array, ri: number, rk: number, lo: number, hi: number, maxLag: number): Float64Array {
  const out = new Float64Array(2 * maxLag + 1);
  for (let L = -maxLag; L <= maxLag; L++) {
    let s = 0;
    for (let j = Math.max(lo, lo - L); j < Math.min(hi, hi - L); j++) s += w[ri + j] * w[rk + j + L];
    out[L + maxLag] = s;
  }
  return out;
}

test('laggedDots gives the bits of one ascending loop per lag', () => {
  const rand = seededRandom(9);
  for (const nd of [1, 3, 8, 40, 97]) {
    const w = Float64Array.from({ length: 3 * nd }, () => (rand() < 0.2 ? 0 : (rand() - 0.3) * 10 ** (4 * rand() - 2)));
    for (const maxLag of [1, 2, 3, 5, 12]) {
      for (const [lo, hi] of [[0, nd], [Math.floor(nd / 3), nd - Math.floor(nd / 4)], [Math.floor(nd / 2), Math.floor(nd / 2) + 1], [2, 2]]) {
        if (!(lo <= hi && hi <= nd)) continue;
        const got = new Float64Array(2 * maxLag + 1);
        laggedDots(w, 0, nd, lo, hi, maxLag, got);
        const want = plainDots(w, 0, nd, lo, hi, maxLag);
        for (let q = 0; q < got.length; q++) assert.ok(Object.is(got[q], want[q]), `nd=${nd} maxLag=${maxLag} [${lo}, ${hi}) lag ${q - maxLag}: ${got[q]} vs ${want[q]}`);
      }
    }
  }
});
