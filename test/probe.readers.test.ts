import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, sharedDir, tempDir } from './helpers/paths.js';
import { Probe, ProbeGroup } from '../src/core/probe.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { probeGroupFromJson, probeGroupToJson, readProbeInterfaceJson, writeProbeInterfaceJson } from '../src/io/probeinterface.js';
import { readKilosortChanMap, readMat, MatValue } from '../src/io/matlab.js';
import { parsePrbAssignments, prbToProbeGroup, readPrb } from '../src/io/prb.js';
import { attachProbe, probeFromLocations, readProbeFile } from '../src/io/probefile.js';

const FIX = path.join(repoRoot(), 'test', 'fixtures', 'probes');
const DATA = path.join(sharedDir(), 'datasets');
const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8')) as T;

interface PiRef {
  num_probes: number;
  num_contacts: number;
  ndim: number;
  sum_x: number;
  sum_y: number;
  pos_last: number[];
  contact_ids_head_tail: string[] | null;
  shank_counts: Record<string, number> | null;
  device_channel_indices: number[] | null;
  shape0: string;
  shape_params0: Record<string, number>;
  model_name: string | null;
  manufacturer: string | null;
  contour_len: number;
}

function sumAxis(p: Probe, axis: number): number {
  let s = 0;
  for (let i = 0; i < p.numContacts; i++) s += p.positions[i * p.ndim + axis];
  return s;
}

test('probeinterface: every shared probe file matches the json-module reference', () => {
  const refs = fixture<Record<string, PiRef>>('probeinterface_reference.json');
  assert.ok(Object.keys(refs).length >= 14);
  for (const [rel, ref] of Object.entries(refs)) {
    const g = readProbeInterfaceJson(path.join(DATA, rel));
    assert.equal(g.probes.length, ref.num_probes, rel);
    const p = g.probes[0];
    assert.equal(p.numContacts, ref.num_contacts, rel);
    assert.equal(p.ndim, ref.ndim, rel);
    // Positions are small multiples of 0.5 µm: sums are exact in float64.
    assert.equal(sumAxis(p, 0), ref.sum_x, rel);
    assert.equal(sumAxis(p, 1), ref.sum_y, rel);
    assert.deepEqual(p.xy(p.numContacts - 1), ref.pos_last, rel);
    if (ref.contact_ids_head_tail) {
      assert.deepEqual([...p.contactIds.slice(0, 3), p.contactIds[p.numContacts - 1]], ref.contact_ids_head_tail, rel);
    }
    if (ref.shank_counts) {
      const counts: Record<string, number> = {};
      for (const s of p.shankIds) counts[s] = (counts[s] ?? 0) + 1;
      assert.deepEqual(counts, ref.shank_counts, rel);
    }
    assert.deepEqual(p.deviceChannelIndices ? Array.from(p.deviceChannelIndices) : null, ref.device_channel_indices, rel);
    assert.equal(p.contactShapes[0], ref.shape0, rel);
    assert.deepEqual(p.contactShapeParams[0], ref.shape_params0, rel);
    assert.equal(p.model, ref.model_name ?? '', rel);
    assert.equal(p.manufacturer, ref.manufacturer ?? '', rel);
    assert.equal(p.planarContour?.length ?? 0, ref.contour_len, rel);
  }
});

test('probeinterface: write then read reproduces the file content (round trip of the source JSON)', () => {
  const dir = tempDir();
  try {
    for (const rel of ['gt-static-32ch-30s/probe.json', 'real/probes/probeinterface_library/neuronexus/A4x8-5mm-100-200-177.json']) {
      const src = JSON.parse(fs.readFileSync(path.join(DATA, rel), 'utf8'));
      const out = path.join(dir, 'p.json');
      writeProbeInterfaceJson(out, readProbeInterfaceJson(path.join(DATA, rel)));
      const back = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(back.specification, 'probeinterface');
      // Every probe field of the source survives (ids as strings, as probeinterface writes them).
      for (const key of Object.keys(src.probes[0])) {
        assert.deepEqual(back.probes[0][key], src.probes[0][key], `${rel}: ${key}`);
      }
      assert.deepEqual(fs.readdirSync(dir), ['p.json'], 'no temp file left behind');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('probeinterface: contact annotations, plane axes, 3-D and mm units', () => {
  const obj = {
    specification: 'probeinterface',
    version: '0.3.2',
    probes: [
      {
        ndim: 3,
        si_units: 'mm',
        annotations: { name: 'p3' },
        contact_annotations: { impedance: [1, 2] },
        contact_positions: [[0, 0, 0], [0.01, 0.02, 0.5]],
        contact_plane_axes: [[[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [0, 0, 1]]],
        contact_shapes: ['circle', 'rect'],
        contact_shape_params: [{ radius: 5 }, { width: 4, height: 8 }],
        device_channel_indices: [1, -1],
      },
    ],
  };
  const g = probeGroupFromJson(obj, 'inline');
  const p = g.probes[0];
  assert.deepEqual(Array.from(p.positions), [0, 0, 0, 10, 20, 500]);
  assert.equal(p.siUnits, 'um');
  assert.equal(p.name, 'p3');
  const sub = p.subset([1], [0]);
  assert.deepEqual(sub.contactAnnotations, { impedance: [2] });
  assert.deepEqual(Array.from(sub.contactPlaneAxes!), [0, 1, 0, 0, 0, 1]);
  const js = probeGroupToJson(g).probes[0];
  assert.deepEqual(js.contact_plane_axes, obj.probes[0].contact_plane_axes);
  assert.deepEqual(js.device_channel_indices, [1, -1]);
});

test('probeinterface: malformed input gives errors naming the place and the problem', () => {
  assert.throws(() => probeGroupFromJson({ probes: [] }, 'x.json'), /x\.json: the "probes" list is empty/);
  assert.throws(() => probeGroupFromJson({ specification: 'other', probes: [] }, 'x.json'), /not a probeinterface file/);
  assert.throws(
    () => probeGroupFromJson({ probes: [{ ndim: 2, contact_positions: [[0, 0], [1]] }] }, 'x.json'),
    /x\.json: probes\[0\]\.contact_positions\[1\]: expected 2 finite numbers/,
  );
  assert.throws(
    () => probeGroupFromJson({ probes: [{ contact_positions: [[0, 0]], contact_shapes: ['hexagon'] }] }, 'x.json'),
    /contact_shapes\[0\]: contact shape "hexagon" is not one of circle, square, rect/,
  );
  assert.throws(
    () => probeGroupFromJson({ probes: [{ contact_positions: [[0, 0], [1, 1]], device_channel_indices: [0] }] }, 'x.json'),
    /"device_channel_indices" has 1 entries but there are 2 contacts/,
  );
  const dir = tempDir();
  try {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"probes": [');
    assert.throws(() => readProbeInterfaceJson(bad), /bad\.json: not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface TypeRef {
  shape?: number[];
  dtype?: string;
  values_colmajor?: number[];
  real?: number[];
  imag?: number[];
  rows?: string[];
}

function numeric(v: MatValue | undefined): Extract<MatValue, { kind: 'numeric' }> {
  assert.ok(v && v.kind === 'numeric');
  return v;
}

for (const file of ['types_v5.mat', 'types_v7_compressed.mat']) {
  test(`matlab: ${file} reads every class as scipy.io.loadmat does`, () => {
    const vars = readMat(path.join(FIX, file));
    const ref = fixture<Record<string, TypeRef>>('types_reference.json');
    for (const [name, r] of Object.entries(ref)) {
      const v = vars.get(name);
      assert.ok(v, `${file}: ${name} missing`);
      if (r.values_colmajor) {
        const n = numeric(v);
        assert.deepEqual(n.dims, r.shape, name);
        assert.deepEqual(Array.from(n.real, Number), r.values_colmajor, name);
        // scipy reads logicals as uint8; the MAT logical flag is what marks them.
        const numpyToMatlab: Record<string, string> = { float64: 'double', float32: 'single' };
        const expectClass = name === 'b' ? 'uint8' : (numpyToMatlab[r.dtype!] ?? r.dtype);
        assert.equal(n.className, expectClass, name);
      } else if (r.imag) {
        const n = numeric(v);
        assert.deepEqual(Array.from(n.real), r.real);
        assert.deepEqual(Array.from(n.imag!), r.imag);
      } else if (r.rows) {
        assert.ok(v.kind === 'char');
        assert.deepEqual(v.rows, r.rows, name);
      }
    }
    assert.equal(numeric(vars.get('b')).logical, true);
    const c = vars.get('c');
    assert.ok(c && c.kind === 'cell');
    assert.deepEqual(Array.from(numeric(c.cells[0]).real), [1, 2]);
    assert.ok(c.cells[1].kind === 'char' && c.cells[1].rows[0] === 'x');
    const st = vars.get('st');
    assert.ok(st && st.kind === 'struct');
    assert.deepEqual(st.fieldNames.sort(), ['chans', 'fs', 'name']);
    assert.deepEqual(Array.from(numeric(st.elements[0].get('fs')).real), [30000]);
    assert.deepEqual(Array.from(numeric(st.elements[0].get('chans')).real), [0, 1, 2, 3]);
    assert.equal(numeric(st.elements[0].get('chans')).className, 'uint16');
    assert.equal(numeric(vars.get('empty')).real.length, 0);
  });
}

test('matlab: v7.3 (HDF5), v4 and truncated files give clear errors', () => {
  assert.throws(() => readMat(path.join(FIX, 'v73_header.mat')), /v7\.3 \(HDF5\) MAT-file, which is not supported\. Re-save it .* '-v7'/);
  assert.throws(() => readMat(new Uint8Array(200), 'old.mat'), /old\.mat: not a MATLAB v5\/v7 MAT-file/);
  const bytes = fs.readFileSync(path.join(FIX, 'types_v5.mat'));
  assert.throws(() => readMat(bytes.subarray(0, bytes.length - 100), 'cut.mat'), /cut\.mat: .*truncated/);
});

interface ChanMapRef {
  channels: number[];
  x: number[];
  y: number[];
  shank: string[] | null;
  name: string;
}

test('kilosort chanMap: shared files match scipy.io.loadmat (connected sites only)', () => {
  const refs = fixture<Record<string, ChanMapRef>>('chanmap_reference.json');
  assert.equal(Object.keys(refs).length, 6);
  for (const [rel, ref] of Object.entries(refs)) {
    const p = readKilosortChanMap(path.join(DATA, rel)).probes[0];
    assert.deepEqual(Array.from(p.deviceChannelIndices!), ref.channels, rel);
    assert.deepEqual(Array.from({ length: p.numContacts }, (_, i) => p.xy(i)[0]), ref.x, rel);
    assert.deepEqual(Array.from({ length: p.numContacts }, (_, i) => p.xy(i)[1]), ref.y, rel);
    if (ref.shank) assert.deepEqual(p.shankIds, ref.shank, rel);
    assert.equal(p.name, ref.name, rel);
  }
  // Linear16x1 has unconnected sites: they are dropped.
  const lin = readProbeFile(path.join(DATA, 'real/probes/kilosort_chanmaps/Linear16x1_kilosortChanMap.mat'));
  assert.ok(lin.probes[0].numContacts < 16);
});

interface PrbRef {
  [group: string]: { channels: number[]; positions: number[][] };
}

test('prb: shared files and the syntax fixture match Python (ast / exec) reads', () => {
  const refs = fixture<Record<string, PrbRef>>('prb_reference.json');
  for (const [rel, ref] of Object.entries(refs)) {
    const file = rel === 'syntax.prb' ? path.join(FIX, rel) : path.join(DATA, rel);
    const g = readPrb(file);
    const groups = Object.keys(ref);
    assert.equal(g.probes.length, groups.length, rel);
    groups.forEach((key, i) => {
      const p = g.probes[i];
      assert.deepEqual(Array.from(p.deviceChannelIndices!), ref[key].channels, `${rel} group ${key}`);
      assert.deepEqual(Array.from({ length: p.numContacts }, (_, c) => p.xy(c)), ref[key].positions, `${rel} group ${key}`);
      assert.ok(p.shankIds.every((s) => s === key));
    });
  }
});

test('prb: unsupported Python is refused with the line number, never executed', () => {
  assert.throws(() => prbToProbeGroup('import os\nchannel_groups = {}', 'evil.prb'), /evil\.prb:1: 'import' is not followed by '='/);
  assert.throws(
    () => prbToProbeGroup("x = 1\nchannel_groups = {0: {'channels': __import__('os')}}", 'evil.prb'),
    /evil\.prb:2: calling '__import__\(\)' is not supported/,
  );
  assert.throws(() => prbToProbeGroup('channel_groups = {0: {"channels": [0, 1], "geometry": {0: (0, 0)}}}', 'g.prb'), /g\.prb: channel_groups\[0\]\['geometry'\] has no \(x, y\) position for channel 1/);
  assert.throws(() => parsePrbAssignments('a = [1, 2\n', 'u.prb'), /u\.prb:1: a bracket opened here is never closed/);
  assert.throws(() => parsePrbAssignments('a = b + 1', 'u.prb'), /u\.prb:1: name 'b' is not defined/);
  assert.deepEqual(parsePrbAssignments('a = [1] * 2 + list(range(3, 0, -1))\nb = -2 ** 2').get('a'), [1, 1, 3, 2, 1]);
  assert.equal(parsePrbAssignments('b = -2 ** 2').get('b'), -4);
});

test('readProbeFile dispatches on extension; attachProbe checks wiring', () => {
  assert.throws(() => readProbeFile('x.txt'), /x\.txt: unknown probe file type '\.txt'/);
  const tetrode = readProbeFile(path.join(DATA, 'gt-tetrode-4ch-60s/probe.json'));
  const rec = InMemoryRecording.fromArray(new Float32Array(10 * 4), 4, 30000);
  assert.equal(attachProbe(rec, tetrode, { where: 'probe.json' }), rec);
  assert.deepEqual(Array.from(rec.getChannelLocations()), [0, 0, 25, 0, 0, 25, 25, 25]);

  // Wired to a channel the recording does not have.
  const rec3 = InMemoryRecording.fromArray(new Float32Array(10 * 3), 3, 30000);
  assert.throws(() => attachProbe(rec3, tetrode, { where: 'probe.json' }), /probe\.json: contact 3 is wired to channel 3, but the recording has 3 channels/);

  // A catalogue probe without wiring cannot be attached to fewer channels.
  const catalogue = new ProbeGroup([new Probe({ positions: new Float64Array(2 * 10) .map((_, i) => i) })]);
  assert.throws(() => attachProbe(rec3, catalogue, { where: 'cat.json' }), /cat\.json: the probe has 10 contacts without device_channel_indices/);

  // One extra (sync) channel: dropped by default, refused on request.
  const rec5 = InMemoryRecording.fromArray(Float32Array.from({ length: 10 * 5 }, (_, i) => i), 5, 30000);
  assert.throws(() => attachProbe(rec5, tetrode, { where: 'probe.json', unwired: 'error' }), /1 of the recording's 5 channels have no contact .*\(4\)/);
  const sliced = attachProbe(rec5, tetrode, { where: 'probe.json' });
  assert.equal(sliced.numChannels, 4);
  assert.deepEqual([...sliced.channelIds], ['0', '1', '2', '3']);
  assert.deepEqual(Array.from(sliced.getChannelLocations()), [0, 0, 25, 0, 0, 25, 25, 25]);

  const fromXY = probeFromLocations([1, 2, 3, 4]);
  assert.deepEqual(Array.from(fromXY.probes[0].deviceChannelIndices!), [0, 1]);
  assert.deepEqual(fromXY.probes[0].xy(1), [3, 4]);
});
