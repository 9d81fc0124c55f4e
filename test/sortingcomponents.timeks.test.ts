import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differentTimeCourse, ksStatistic } from '../src/sortingcomponents/timeks.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

/** The definition, evaluated at every observed value: max |Fa(t) − Fb(t)| with F(t) = #{x ≤ t} / n. */
function bruteKs(a: number[], b: number[]): number {
  const cdf = (v: number[], t: number) => v.filter((x) => x <= t).length / v.length;
  return Math.max(...[...a, ...b].map((t) => Math.abs(cdf(a, t) - cdf(b, t))));
}

test('ksStatistic equals the definition (ties included) and its limiting cases', () => {
  const rand = seededRandom(3);
  for (let trial = 0; trial < 20; trial++) {
    const a = Array.from({ length: 5 + Math.floor(rand() * 30) }, () => Math.floor(rand() * 20));
    const b = Array.from({ length: 5 + Math.floor(rand() * 30) }, () => Math.floor(rand() * 20) + (trial % 3));
    assert.ok(Math.abs(ksStatistic(a, b) - bruteKs(a, b)) < 1e-12, `trial ${trial}`);
  }
  assert.equal(ksStatistic([1, 2, 3], [4, 5]), 1);
  assert.equal(ksStatistic([1, 2, 3], [3, 2, 1]), 0);
  assert.equal(ksStatistic([], [1]), 0);
});

test('differentTimeCourse: spikes confined to one period differ from a steady train; two steady trains do not', () => {
  const rand = seededRandom(11);
  let falseAlarms = 0;
  for (let trial = 0; trial < 50; trial++) {
    const steadyA = Array.from({ length: 60 }, () => rand() * 15);
    const steadyB = Array.from({ length: 25 }, () => rand() * 15);
    if (differentTimeCourse(steadyA, steadyB, 1.95)) falseAlarms++;
  }
  // α ≈ 0.001 per test: no false alarm expected in 50 trials.
  assert.ok(falseAlarms <= 1, `${falseAlarms}/50 steady pairs called different`);
  const period = Array.from({ length: 22 }, () => 7 + rand() * 3);
  const rest = Array.from({ length: 77 }, () => (rand() < 0.5 ? rand() * 7 : 10 + rand() * 5));
  assert.ok(differentTimeCourse(rest, period, 1.95));
});
