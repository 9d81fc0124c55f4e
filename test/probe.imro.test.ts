import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProbeFile } from '../src/io/probefile.js';
import { parseImroTable, probeFromImro } from '../src/io/neuropixels.js';
import { realDir } from './helpers/paths.js';

const probes = realDir('probes');
const imro = (name: string) => path.join(probes, 'prb_imro', name);
const catalogue = (name: string) => path.join(probes, 'probeinterface_library', 'imec', name);

test('recorded sites picked from a catalogue probe by an imro table match the built-in geometry', () => {
  for (const [json, table] of [['NP2010.json', 'test_multi_shank.imro'], ['NP2000.json', 'test_single_shak_2.0.imro']]) {
    const picked = readProbeFile(catalogue(json), { imro: imro(table) }).probes[0];
    const t = parseImroTable(fs.readFileSync(imro(table), 'utf8'));
    assert.equal(picked.numContacts, t.entries.length, table);
    assert.deepEqual(Array.from(picked.deviceChannelIndices!), t.entries.map((_, i) => i));
    // The catalogue and our geometry tables are independent sources of the same positions.
    const builtin = probeFromImro(t, '')!;
    for (let i = 0; i < picked.numContacts; i++) {
      const [x, y] = picked.xy(i);
      const [bx, by] = builtin.xy(i);
      assert.ok(Math.abs(x - bx) < 1e-6 && Math.abs(y - by) < 1e-6, `${table} site ${i}: catalogue (${x}, ${y}) vs built-in (${bx}, ${by})`);
    }
  }
});

test('an .imro alone gives the built-in geometry; a mismatched catalogue is refused with the fix', () => {
  const g = readProbeFile(imro('test_multi_shank.imro'));
  assert.equal(g.probes[0].numContacts, 384);
  assert.ok(new Set(g.probes[0].shankIds).size > 1);
  assert.throws(() => readProbeFile(catalogue('NP1100.json'), { imro: imro('test_multi_shank.imro') }), /records electrode .* which this probe does not have/);
});
