/**
 * The matching speed options (candidateScreen, fullScoreCandidates): template cores against a brute-force
 * reference, and spikes planted in noise found as well with the options on as with every candidate scored in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchWindow, MatchOptions, prepareTemplates, SparseTemplate, templateCore } from '../src/sortingcomponents/matching.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

test('templateCore keeps the window of most energy and the fewest channels holding 90 % of it', () => {
  const rand = seededRandom(11);
  for (let trial = 0; trial < 20; trial++) {
    const length = 40 + Math.floor(rand() * 60);
    const nch = 1 + Math.floor(rand() * 12);
    const channels = Int32Array.from({ length: nch }, (_, q) => 3 * q + 1);
    const centre = Math.floor(rand() * length);
    const data = Float32Array.from({ length: length * nch }, (_, i) => {
      const p = Math.floor(i / nch);
      return (0.05 + rand()) * Math.exp(-(((p - centre) / (3 + 10 * rand())) ** 2)) * (1 + (i % nch));
    });
    const core = templateCore(data, channels, length);
    const rows = Math.min(32, length);
    assert.equal(core.rows, rows);
    // Brute force: energy of every window, then channel energies sorted within the chosen one.
    const windowEnergy = (r0: number) => {
      let s = 0;
      for (let p = r0; p < r0 + rows; p++) for (let q = 0; q < nch; q++) s += data[p * nch + q] ** 2;
      return s;
    };
    let bestWindow = -1;
    for (let r0 = 0; r0 + rows <= length; r0++) bestWindow = Math.max(bestWindow, windowEnergy(r0));
    assert.ok(windowEnergy(core.row0) >= bestWindow * (1 - 1e-9), `trial ${trial}: window at ${core.row0} is not the most energetic`);
    const perChannel = Array.from({ length: nch }, (_, q) => {
      let s = 0;
      for (let p = core.row0; p < core.row0 + rows; p++) s += data[p * nch + q] ** 2;
      return s;
    });
    const inWindow = perChannel.reduce((a, v) => a + v, 0);
    const sorted = [...perChannel].sort((a, b) => b - a);
    let needed = 0;
    for (let sum = 0; needed < nch && (needed === 0 || sum < 0.9 * inWindow); needed++) sum += sorted[needed];
    assert.equal(core.channels.length, needed, `trial ${trial}: channel count`);
    const kept = Array.from(core.channels, (c) => (c - 1) / 3);
    assert.deepEqual(kept, [...kept].sort((a, b) => a - b), 'channels ascending');
    let keptEnergy = 0;
    for (const q of kept) keptEnergy += perChannel[q];
    assert.ok(keptEnergy >= 0.9 * inWindow * (1 - 1e-9), `trial ${trial}: kept ${keptEnergy} of ${inWindow}`);
    let total = 0;
    for (const v of data) total += v * v;
    for (let p = 0; p < rows; p++) for (let k = 0; k < kept.length; k++) assert.equal(core.data[p * kept.length + k], data[(core.row0 + p) * nch + kept[k]]);
    assert.ok(Math.abs(core.scale - total / keptEnergy) <= 1e-6 * core.scale, `trial ${trial}: scale ${core.scale} vs ${total / keptEnergy}`);
  }
});

// Six units on a 16-channel line, each over 6 channels, neighbours overlapping: several candidates per peak.
const nc = 16;
const L = 60;
const nBefore = 20;
function unit(centre: number, width: number, scale: number): SparseTemplate {
  const channels = Int32Array.from({ length: 6 }, (_, q) => Math.min(nc - 6, Math.max(0, centre - 3)) + q);
  const data = new Float32Array(L * 6);
  for (let p = 0; p < L; p++) {
    const wave = -Math.exp(-(((p - nBefore) / width) ** 2)) + 0.35 * Math.exp(-(((p - nBefore - 4 * width) / (2.5 * width)) ** 2));
    for (let q = 0; q < 6; q++) data[p * 6 + q] = scale * wave * Math.exp(-(((channels[q] - centre) / 1.5) ** 2));
  }
  return { channels, data, peakChannel: centre };
}
const sparse = [unit(3, 2, 25), unit(5, 3, 14), unit(8, 2, 18), unit(10, 4, 30), unit(12, 2.5, 12), unit(4, 2.5, 9)];
const templates = prepareTemplates(sparse, L, 4, nc, 'negative');
const candidates: number[][] = Array.from({ length: nc }, () => []);
templates.forEach((t, u) => t.channels.forEach((c) => candidates[c].push(u)));
const near = (c: number) => Int32Array.from({ length: nc }, (_, k) => k).filter((k) => Math.abs(k - c) <= 2);
const opts: MatchOptions = {
  nBefore, length: L, threshold: 4, minScore: 6, amplitudeMin: 0.5, amplitudeMax: 2, maxShift: 3, iterations: 4, pairWindow: 9, residualError: 0.25,
  polarity: 'negative', exclusionSamples: 5, dedupNeighbours: Array.from({ length: nc }, (_, c) => near(c)),
  candidatesPerChannel: candidates.map((u) => Int32Array.from(u)),
  locations: Float64Array.from({ length: 2 * nc }, (_, i) => (i % 2 ? 20 * Math.floor(i / 2) : 0)),
  basis: { components: new Float32Array(L).fill(1 / Math.sqrt(L)), numComponents: 1, length: L, nBefore }, pcChannels: 2,
};

/** Noise with spikes of every unit at known rows (some overlapping in time); returns the data and the truth. */
function planted(ns: number, seed: number): { data: Float32Array; truth: { row: number; unit: number }[] } {
  const rand = seededRandom(seed);
  const data = Float32Array.from({ length: ns * nc }, () => gaussian(rand));
  const truth: { row: number; unit: number }[] = [];
  for (let t = 200; t < ns - 200; t += 70 + Math.floor(rand() * 150)) {
    const u = Math.floor(rand() * sparse.length);
    const a = 0.8 + 0.4 * rand();
    const tpl = sparse[u];
    for (let p = 0; p < L; p++) for (let q = 0; q < 6; q++) data[(t - nBefore + p) * nc + tpl.channels[q]] += a * tpl.data[p * 6 + q];
    truth.push({ row: t, unit: u });
  }
  return { data, truth };
}

function recall(o: MatchOptions, data: Float32Array, ns: number, truth: { row: number; unit: number }[]): number {
  const m = matchWindow(data.slice(), ns, nc, 0, 0, ns, templates, o);
  let found = 0;
  for (const s of truth) {
    for (let i = 0; i < m.sample.length; i++) {
      if (m.unit[i] === s.unit && Math.abs(m.sample[i] - s.row) <= 1) {
        found++;
        break;
      }
    }
  }
  return found / truth.length;
}

test('candidateScreen and fullScoreCandidates find the planted spikes as well as full scoring does', () => {
  const ns = 30000;
  const { data, truth } = planted(ns, 7);
  assert.ok(truth.length > 200, `${truth.length} planted spikes`);
  const full = recall(opts, data, ns, truth);
  assert.ok(full >= 0.9, `full scoring recalls ${full}`);
  for (const o of [{ candidateScreen: 0.25 }, { fullScoreCandidates: 2 }, { fullScoreCandidates: 1 }, { candidateScreen: 0.25, fullScoreCandidates: 2 }]) {
    const r = recall({ ...opts, ...o }, data, ns, truth);
    // A candidate left out wrongly costs its spike: at most 1 % of the planted spikes may go.
    assert.ok(r >= full - 0.01, `${JSON.stringify(o)}: recall ${r} vs ${full} with full scoring`);
  }
});

test('a candidateScreen that no template passes leaves every peak unfitted', () => {
  // ρ = 1 with amplitudeMax 0.5 (and amplitudeMin 0): amplitudeMax × extremum < peak for every template at its own spike.
  const ns = 6000;
  const { data } = planted(ns, 3);
  const m = matchWindow(data.slice(), ns, nc, 0, 0, ns, templates, { ...opts, amplitudeMin: 0, amplitudeMax: 0.5, candidateScreen: 1 });
  const unscreened = matchWindow(data.slice(), ns, nc, 0, 0, ns, templates, { ...opts, amplitudeMin: 0, amplitudeMax: 0.5 });
  assert.ok(unscreened.sample.length > 10, `${unscreened.sample.length} fits without the screen`);
  assert.ok(m.sample.length < unscreened.sample.length / 4, `${m.sample.length} fits with the screen`);
});
