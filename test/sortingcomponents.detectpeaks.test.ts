/**
 * detectPeaks against a brute-force reference written from its documented rule: a crossing is a peak
 * when no other sample of its neighbourhood (±exclusion samples, its neighbour channels) is stronger,
 * ties going to the earlier sample, then the lower channel. Values are quantised so ties are common.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPeaks, Polarity } from '../src/sortingcomponents/detection.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { bruteForcePeaks as bruteForce } from './helpers/peaks.js';

test('detectPeaks equals the brute-force rule for every polarity, with ties and with neighbour lists that omit the channel itself', () => {
  const nc = 6;
  const ns = 4000;
  const rand = seededRandom(21);
  // Values on a 0.5 grid in [-6, 6]: many exact ties between neighbouring samples and channels.
  const data = Float32Array.from({ length: ns * nc }, () => Math.round((rand() * 2 - 1) ** 3 * 12) / 2);
  const ring = Array.from({ length: nc }, (_, c) => Int32Array.from([c - 1, c, c + 1].filter((k) => k >= 0 && k < nc)));
  const withoutSelf = Array.from({ length: nc }, (_, c) => Int32Array.from([c - 1, c + 1].filter((k) => k >= 0 && k < nc)));
  for (const pol of ['negative', 'positive', 'both'] as Polarity[]) {
    for (const [name, neigh] of [['ring', ring], ['without self', withoutSelf]] as const) {
      for (const ex of [0, 1, 4]) {
        const p = detectPeaks(data, ns, nc, 10, ns - 10, 100, { threshold: 2.5, exclusionSamples: ex, dedupNeighbours: neigh, polarity: pol });
        const got = Array.from(p.sample, (s, i) => `${s - 100}:${p.channel[i]}`);
        const want = bruteForce(data, ns, nc, 10, ns - 10, 2.5, ex, neigh, pol);
        assert.ok(want.length > 50, 'the input must hold many peaks');
        assert.deepEqual(got, want, `${pol} ${name} ex=${ex}`);
        p.value.forEach((v, i) => assert.equal(v, data[(p.sample[i] - 100) * nc + p.channel[i]]));
      }
    }
  }
});

test('detectPeaks equals the brute-force rule on a wide probe, whose rows it scans in several blocks', () => {
  // 96 channels × 2000 rows span several of detectPeaks' scan blocks, with peaks on rows at their edges.
  const nc = 96;
  const ns = 2000;
  const rand = seededRandom(22);
  const data = Float32Array.from({ length: ns * nc }, () => Math.round((rand() * 2 - 1) ** 3 * 12) / 2);
  const neigh = Array.from({ length: nc }, (_, c) => Int32Array.from([c - 2, c - 1, c, c + 1, c + 2].filter((k) => k >= 0 && k < nc)));
  for (const [from, to] of [[0, ns], [7, ns - 5], [339, 1400]]) {
    const p = detectPeaks(data, ns, nc, from, to, 0, { threshold: 2.5, exclusionSamples: 3, dedupNeighbours: neigh, polarity: 'both' });
    const got = Array.from(p.sample, (s, i) => `${s}:${p.channel[i]}`);
    const want = bruteForce(data, ns, nc, from, to, 2.5, 3, neigh, 'both');
    assert.ok(want.length > 1000, 'the input must hold many peaks');
    assert.deepEqual(got, want, `rows [${from}, ${to})`);
  }
});
