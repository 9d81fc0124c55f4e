import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { npzToBytes, readNpz, writeNpz } from '../src/io/npz.js';
import { crc32, listZipEntries, readZip, zipBytes } from '../src/io/zip.js';
import { repoRoot, tempDir } from './helpers/paths.js';

const FIX = path.join(repoRoot(), 'test', 'fixtures', 'io');
const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8')) as Record<string, Record<string, { shape: number[]; values: unknown[] }>>;

test('crc32 matches zlib', () => {
  const data = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
  assert.equal(crc32(data), zlib.crc32 ? zlib.crc32(data) : 0x414fa339);
  assert.equal(crc32(data), 0x414fa339);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('readNpz reads numpy savez (stored, zip64 local headers) and savez_compressed (deflate)', () => {
  for (const file of ['stored.npz', 'deflated.npz']) {
    const arrays = readNpz(path.join(FIX, file));
    const want = expected[file];
    assert.deepEqual([...arrays.keys()].sort(), Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) {
      const a = arrays.get(k)!;
      assert.deepEqual(a.shape, w.shape, `${file}[${k}] shape`);
      assert.deepEqual(Array.from(a.data as ArrayLike<unknown>), w.values, `${file}[${k}] values`);
    }
  }
});

test('write → read round trip, stored and compressed', () => {
  const dir = tempDir();
  try {
    const arrays = { w: { data: Float32Array.from({ length: 500 }, (_, i) => Math.sin(i)) }, names: { data: ['a', 'bc'] }, 'µ': { data: Int32Array.from([1, 2, 3, 4]), shape: [2, 2] } };
    for (const compress of [false, true]) {
      const p = path.join(dir, `a${compress}.npz`);
      writeNpz(p, arrays, { compress });
      const back = readNpz(p);
      assert.deepEqual(Array.from(back.get('w')!.data as Float32Array), Array.from(arrays.w.data));
      assert.deepEqual(back.get('names')!.data, ['a', 'bc']);
      assert.deepEqual(back.get('µ')!.shape, [2, 2]);
      const entries = listZipEntries(fs.readFileSync(p));
      assert.deepEqual(entries.map((e) => e.method), compress ? [8, 8, 8] : [0, 0, 0]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('corruption is detected: CRC, truncation, not a zip', () => {
  const bytes = npzToBytes({ a: { data: Float64Array.from([1, 2, 3]) } });
  const bad = bytes.slice();
  bad[120] ^= 0xff; // inside the stored .npy data
  assert.throws(() => readNpz(bad, 'bad.npz'), /bad\.npz: entry 'a\.npy' fails its CRC check/);
  assert.throws(() => readNpz(bytes.subarray(0, bytes.length - 30), 'cut.npz'), /cut\.npz: not a valid ZIP/);
  assert.throws(() => readNpz(new Uint8Array(100), 'zero.npz'), /zero\.npz: not a valid ZIP/);
});

test('zipBytes output is readable and CRCs are right', () => {
  const files = [{ name: 'x.txt', data: new TextEncoder().encode('hello') }, { name: 'e', data: new Uint8Array(0) }];
  const z = readZip(zipBytes(files, { compress: true }));
  assert.equal(new TextDecoder().decode(z.get('x.txt')), 'hello');
  assert.equal(z.get('e')!.length, 0);
});
