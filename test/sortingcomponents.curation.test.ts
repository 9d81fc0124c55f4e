import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findEchoSpikes } from '../src/sortingcomponents/curation.js';
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

test('a unit mostly time-locked to a stronger unit is removed; independent units and the stronger unit are kept', () => {
  const rand = seededRandom(11);
  const big = poisson(15, 60, rand);
  // 70 % of the echo's spikes follow the big unit by 0.6 ms, the rest are random.
  const echo = big.filter(() => rand() < 0.3).map((t) => t + 18).concat(poisson(1, 60, rand));
  const independent = poisson(20, 60, rand);
  const weakIndependent = poisson(3, 60, rand);
  const s = spikeList([big, echo, independent, weakIndependent]);
  const opts = { windowSamples: 0.001 * FS, totalSamples: 60 * FS, excessFactor: 3, unitFraction: 0.5 };
  assert.deepEqual([...findEchoSpikes(s, 4, [40, 8, 12, 6], opts).echoUnits], [1]);
  // Chance coincidence within ±1 ms of a 15 Hz + 20 Hz population is ~7 %: far below the bar.
  // Nothing is removed when the echo is the stronger one (a strong unit is never the echo of a weak one).
  assert.equal(findEchoSpikes(s, 4, [8, 40, 12, 6], opts).echoUnits.size, 0);
  // With unitFraction 0.9 the unit (70 % echoes) stays, without its echoes.
  const kept = findEchoSpikes(s, 4, [40, 8, 12, 6], { ...opts, unitFraction: 0.9 });
  assert.equal(kept.echoUnits.size, 0);
  let left = 0;
  kept.echo.forEach((e, i) => (left += s.unit[i] === 1 && !e ? 1 : 0));
  assert.ok(Math.abs(left - 60) <= 15, `${left} non-echo spikes left of ~60 random ones`);
});

test('echo spikes: a real small unit that caught echoes of a large unit keeps its own spikes; an all-echo unit is removed', () => {
  const rand = seededRandom(5);
  const dur = 60;
  const big = poisson(15, dur, rand);
  const own = poisson(4, dur, rand);
  // Unit 1: its own spikes plus echoes of 60 % of the big unit's spikes, 0.8 ms later (the case of a
  // small template fitting a large unit's residual at a fixed lag).
  const echoes = big.filter(() => rand() < 0.6).map((t) => t + 24);
  const mixed = [...own, ...echoes].sort((a, b) => a - b);
  // Unit 2: echoes of 30 % of the big unit's spikes and a few random fits (5 %).
  const pureEchoes = big.filter(() => rand() < 0.3).map((t) => t - 15);
  const allEcho = [...pureEchoes, ...poisson(0.3, dur, rand)].sort((a, b) => a - b);
  const independent = poisson(10, dur, rand);
  const s = spikeList([big, mixed, allEcho, independent]);
  const opts = { windowSamples: 0.001 * FS, totalSamples: dur * FS, excessFactor: 3, unitFraction: 0.9 };
  const { echo, echoUnits } = findEchoSpikes(s, 4, [40, 5, 4, 12], opts);
  assert.deepEqual([...echoUnits], [2]);
  const ownSet = new Set(own);
  const echoSet = new Set(echoes);
  let echoesFlagged = 0;
  let ownFlagged = 0;
  let otherFlagged = 0;
  for (let i = 0; i < echo.length; i++) {
    if (!echo[i]) continue;
    if (s.unit[i] === 1 && echoSet.has(s.sample[i])) echoesFlagged++;
    else if (s.unit[i] === 1 && ownSet.has(s.sample[i])) ownFlagged++;
    else if (s.unit[i] === 0 || s.unit[i] === 3) otherFlagged++;
  }
  assert.equal(echoesFlagged, echoes.length);
  // Own spikes lost only to chance coincidence with the big (15 Hz) unit: 15 × 2 ms ≈ 3 %. Allow twice that.
  const chance = own.length * 15 * 0.002;
  assert.ok(ownFlagged <= 2 * chance + 2, `own spikes flagged ${ownFlagged}, chance ${chance.toFixed(1)}`);
  // The strongest unit and an independent unit lose nothing.
  assert.equal(otherFlagged, 0);
});

test('echo spikes: independent units coinciding at chance, and the disabled fraction, flag nothing', () => {
  const rand = seededRandom(9);
  const dur = 30;
  const trains = [poisson(30, dur, rand), poisson(20, dur, rand), poisson(5, dur, rand)];
  const s = spikeList(trains);
  const { echo, echoUnits } = findEchoSpikes(s, 3, [30, 10, 6], { windowSamples: 0.001 * FS, totalSamples: dur * FS, excessFactor: 3, unitFraction: 0.9 });
  assert.equal(echo.reduce((a, b) => a + b, 0), 0);
  assert.equal(echoUnits.size, 0);
  // Spikes in different segments never coincide.
  const times = [100, 9000, 20000, 31000, 45000];
  const two = {
    segment: Int32Array.from([...times.map(() => 0), ...times.map(() => 1)]),
    sample: Float64Array.from([...times, ...times.map((t) => t + 5)]),
    unit: Int32Array.from([...times.map(() => 0), ...times.map(() => 1)]),
    amplitude: new Float32Array(10),
  };
  const echoOpts = { windowSamples: 30, totalSamples: 120000, excessFactor: 1, unitFraction: 0.9 };
  assert.equal(findEchoSpikes(two, 2, [10, 5], echoOpts).echo.reduce((a, b) => a + b, 0), 0);
  // The same spikes in one segment are all echoes (5 locked spikes > chance + 3).
  const one = { ...two, segment: new Int32Array(10), sample: Float64Array.from(times.flatMap((t) => [t, t + 5])), unit: Int32Array.from(times.flatMap(() => [0, 1])) };
  assert.deepEqual([...findEchoSpikes(one, 2, [10, 5], echoOpts).echoUnits], [1]);
});
