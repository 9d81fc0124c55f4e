import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSpikeGlx, openSpikeGlxSync, listSpikeGlxStreams } from '../src/io/spikeglx.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';
import type { Reporter } from '../src/exec/reporter.js';

const ref = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/fixtures/formats/reference.json'), 'utf8'));
const np2 = realDir('spikeglx_np2_4shank');
const ultra = realDir('spikeglx_np_ultra');
const nidqRun = realDir('spikeglx_np1_with_nidq');

function collect(): { reporter: Reporter; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, reporter: { log: (l, m) => l === 'warn' && warnings.push(m), begin() {}, progress() {}, end() {} } };
}

function checkRaw(rec: ReturnType<typeof openSpikeGlx>, r: { t: number[]; c: number[]; raw: number[][] }): void {
  r.t.forEach((t, i) => {
    const row = rec.getTraces({ start: t, end: t + 1, channels: r.c });
    assert.deepEqual(Array.from(row), r.raw[i], `sample ${t}`);
  });
}

/** Catalogue positions by contact id from a probeinterface library file (independent of our formulas). */
function catalogue(name: string): Map<string, [number, number]> {
  const j = JSON.parse(fs.readFileSync(path.join(realDir('probes'), 'probeinterface_library/imec', name), 'utf8'));
  const p = j.probes[0];
  return new Map(p.contact_ids.map((id: string, i: number) => [id, p.contact_positions[i]]));
}

test('SpikeGLX NP2.0 4-shank: size from .bin (meta mismatch warned), gains, values, sync kept apart', () => {
  const { reporter, warnings } = collect();
  const rec = openSpikeGlx(np2, { reporter });
  assert.equal(rec.numChannels, 384);
  assert.equal(rec.samplingFrequency, 30000);
  assert.equal(rec.getNumSamples(), ref.spikeglx_np2.numSamples);
  assert.ok(warnings.some((w) => w.includes('fileSizeBytes')));
  assert.ok(Math.abs(rec.gains[0] - ref.spikeglx_np2.gainUv) < 1e-12);
  assert.ok(!rec.channelIds.includes('SY0'));
  checkRaw(rec, ref.spikeglx_np2);
  const sync = openSpikeGlxSync(np2);
  assert.deepEqual(sync.channelIds, ['SY0']);
  assert.deepEqual(Array.from(sync.getTraces({ start: 0, end: 1 })), [ref.spikeglx_np2.sync[0]]);
});

test('SpikeGLX NP2.0 4-shank probe: 4 shanks, positions match the imec catalogue', () => {
  const rec = openSpikeGlx(np2);
  const probe = rec.probe!.probes[0];
  assert.equal(probe.numContacts, 384);
  assert.equal(new Set(probe.shankIds).size, 4);
  const cat = catalogue('NP2010.json');
  for (let i = 0; i < probe.numContacts; i++) {
    const want = cat.get(probe.contactIds[i]);
    assert.ok(want, `contact ${probe.contactIds[i]} in catalogue`);
    assert.deepEqual(probe.xy(i), want);
  }
});

test('SpikeGLX NP Ultra: geometry matches NP1100 catalogue, NP1.0 gain formula, values', () => {
  const rec = openSpikeGlx(ultra);
  assert.equal(rec.getNumSamples(), ref.spikeglx_ultra.numSamples);
  assert.ok(Math.abs(rec.gains[10] - ref.spikeglx_ultra.gainUv) < 1e-12);
  checkRaw(rec, ref.spikeglx_ultra);
  const cat = catalogue('NP1100.json');
  const probe = rec.probe!.probes[0];
  for (let i = 0; i < probe.numContacts; i++) assert.deepEqual(probe.xy(i), cat.get(probe.contactIds[i]));
  const streams = listSpikeGlxStreams(ultra).map((s) => [s.name, s.samplingFrequency, s.available]);
  assert.deepEqual(streams, [['imec0.ap', 30000, true], ['imec0.lf', 2500, true]]);
  const lf = openSpikeGlx(ultra, { stream: 'imec0.lf' });
  assert.ok(Math.abs(lf.gains[0] - (0.6 / 512 / 250) * 1e6) < 1e-12);
});

test('SpikeGLX run folder: streams listed, lf without .bin unavailable, nidq analog channels', () => {
  const streams = listSpikeGlxStreams(nidqRun);
  assert.deepEqual(streams.map((s) => [s.name, s.available]), [['imec0.ap', true], ['imec0.lf', false], ['nidq', true]]);
  assert.throws(() => openSpikeGlx(nidqRun, { stream: 'imec0.lf' }), /unavailable.*lf\.bin/);
  const ni = openSpikeGlx(nidqRun, { stream: 'nidq' });
  assert.equal(ni.numChannels, 8);
  assert.equal(ni.getNumSamples(), ref.nidq.numSamples);
  assert.ok(Math.abs(ni.gains[0] - ref.nidq.gainUv) < 1e-9);
  checkRaw(ni as never, ref.nidq);
  const ap = openSpikeGlx(nidqRun);
  const cat = catalogue('NP1000.json');
  const probe = ap.probe!.probes[0];
  for (let i = 0; i < 384; i++) assert.deepEqual(probe.xy(i), cat.get(probe.contactIds[i]));
});

test('SpikeGLX bad input: missing .meta, truncated .bin, unknown stream; spec round trip', async () => {
  const dir = tempDir();
  try {
    const bin = path.join(dir, 'x_g0_t0.imec0.ap.bin');
    const src = path.join(np2, 'TEST_20210920_0_g0_t0.imec0.ap.bin');
    fs.writeFileSync(bin, fs.readFileSync(src).subarray(0, 770 * 10 + 100));
    assert.throws(() => openSpikeGlx(bin), /\.meta file .* is missing/);
    fs.copyFileSync(path.join(np2, 'TEST_20210920_0_g0_t0.imec0.ap.meta'), bin.replace(/\.bin$/, '.meta'));
    const { reporter, warnings } = collect();
    const rec = openSpikeGlx(bin, { reporter });
    assert.equal(rec.getNumSamples(), 10);
    assert.ok(warnings.some((w) => w.includes('partial frame')));
    assert.throws(() => openSpikeGlx(dir, { stream: 'imec1.ap' }), /no SpikeGLX stream 'imec1.ap'.*imec0.ap/);
    const back = await recordingFromSpec(openSpikeGlx(np2).toSpec()!);
    assert.equal(back.probe!.probes[0].numContacts, 384);
    assert.deepEqual(Array.from(back.getTraces({ start: 5, end: 6 })), Array.from(openSpikeGlx(np2).getTraces({ start: 5, end: 6 })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
