import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSatelliteUnits } from '../src/sortingcomponents/curation.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

const FS = 30000;

function poisson(rateHz: number, durS: number, rand: () => number): number[] {
  const out: number[] = [];
  for (let t = 0; ; ) {
    t += (-Math.log(1 - rand()) / rateHz) * FS;
    if (t >= durS * FS) return out;
    out.push(Math.round(t));
  }
}

function spikeList(trains: number[][]) {
  const all = trains.flatMap((tr, u) => tr.map((t) => [t, u] as const)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    segment: new Int32Array(all.length),
    sample: Float64Array.from(all, (x) => x[0]),
    unit: Int32Array.from(all, (x) => x[1]),
    amplitude: new Float32Array(all.length),
  };
}

test('a unit time-locked to a stronger unit is a satellite; independent units and the stronger unit are kept', () => {
  const rand = seededRandom(11);
  const big = poisson(15, 60, rand);
  // 70 % of the echo's spikes follow the big unit by 0.6 ms, the rest are random.
  const echo = big.filter(() => rand() < 0.3).map((t) => t + 18).concat(poisson(1, 60, rand));
  const independent = poisson(20, 60, rand);
  const weakIndependent = poisson(3, 60, rand);
  const s = spikeList([big, echo, independent, weakIndependent]);
  const strength = [40, 8, 12, 6];
  const out = findSatelliteUnits(s, 4, strength, 0.001 * FS, 0.5);
  assert.deepEqual([...out], [1]);
  // Chance coincidence within ±1 ms of a 15 Hz + 20 Hz population is ~7 %: far below the 50 % bar.
  // The echo is not removed when it is the stronger one (a strong unit is never the echo of a weak one).
  assert.deepEqual([...findSatelliteUnits(s, 4, [8, 40, 12, 6], 0.001 * FS, 0.5)], []);
  // Disabled with a fraction above 1.
  assert.equal(findSatelliteUnits(s, 4, strength, 0.001 * FS, 1.01).size, 0);
});

test('satellite counting respects segments: spikes in different segments never coincide', () => {
  const s = {
    segment: Int32Array.from([0, 1, 0, 1]),
    sample: Float64Array.from([100, 100, 5000, 5000]),
    unit: Int32Array.from([0, 1, 0, 1]),
    amplitude: new Float32Array(4),
  };
  // Sorted by (segment, sample) as the function requires.
  const order = [0, 2, 1, 3];
  const sorted = { segment: Int32Array.from(order, (i) => s.segment[i]), sample: Float64Array.from(order, (i) => s.sample[i]), unit: Int32Array.from(order, (i) => s.unit[i]), amplitude: s.amplitude };
  assert.equal(findSatelliteUnits(sorted, 2, [10, 5], 30, 0.5).size, 0);
  const same = { ...sorted, segment: new Int32Array(4) };
  same.sample = Float64Array.from([100, 100, 5000, 5000]);
  same.unit = Int32Array.from([0, 1, 0, 1]);
  assert.deepEqual([...findSatelliteUnits(same, 2, [10, 5], 30, 0.5)], [1]);
});
