import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npyToBytes, readNpy, readNpyHeaderFromFile, writeNpy } from '../src/io/npy.js';
import { repoRoot, tempDir } from './helpers/paths.js';

const FIX = path.join(repoRoot(), 'test', 'fixtures', 'io');
// Values numpy itself read back from each fixture (see test/fixtures/io/README.md).
const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; descr: string | null; values?: unknown[]; fields?: Record<string, unknown[]> }
>;

function num(v: unknown): number {
  return typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : (v as number);
}

function assertValues(name: string, actual: ArrayLike<unknown>, want: unknown[]): void {
  assert.equal(actual.length, want.length, `${name}: length`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const a = actual[i];
    if (typeof w === 'number' || (typeof w === 'string' && /^-?inf$|^nan$/.test(w))) {
      assert.equal(a, num(w), `${name}[${i}]`);
    } else if (typeof w === 'boolean') {
      assert.equal(a, w ? 1 : 0, `${name}[${i}]`);
    } else {
      assert.equal(a, w, `${name}[${i}]`);
    }
  }
}

const plain = ['f4_2d', 'f8_be', 'i2_be', 'i8', 'u8', 'b1', 'f2', 'u1_3d', 'fortran_3d', 'unicode', 'bytes', 'v2', 'scalar', 'empty'];

test('readNpy matches numpy for every plain fixture (dtypes, byte orders, versions, Fortran order)', () => {
  for (const name of plain) {
    const arr = readNpy(path.join(FIX, `${name}.npy`));
    const want = expected[name];
    assert.deepEqual(arr.shape, want.shape, `${name}: shape`);
    assertValues(name, arr.data as ArrayLike<unknown>, want.values!);
  }
});

test('readNpy reports dtypes and layout', () => {
  assert.equal(readNpy(path.join(FIX, 'i8.npy')).dtype, 'int64');
  assert.ok(readNpy(path.join(FIX, 'i8.npy')).data instanceof Float64Array);
  assert.equal(readNpy(path.join(FIX, 'b1.npy')).dtype, 'bool');
  assert.equal(readNpy(path.join(FIX, 'f8_be.npy')).descr, '>f8');
  assert.equal(readNpy(path.join(FIX, 'fortran_3d.npy')).fortranOrder, true);
  assert.equal(readNpyHeaderFromFile(path.join(FIX, 'v2.npy')).version, '2.0');
});

test('structured arrays: SpikeInterface spikes.npy layout, sub-arrays, utf-8 field names (v3)', () => {
  for (const name of ['structured', 'sub_array', 'v3_field']) {
    const arr = readNpy(path.join(FIX, `${name}.npy`));
    assert.equal(arr.dtype, 'structured');
    assert.deepEqual(arr.shape, expected[name].shape);
    for (const [field, values] of Object.entries(expected[name].fields!)) {
      assertValues(`${name}.${field}`, arr.fields![field] as ArrayLike<unknown>, (values as unknown[]).flat());
    }
  }
});

test('values beyond 2^53 and pickled objects are refused with the file name', () => {
  assert.throws(() => readNpy(path.join(FIX, 'i8_big.npy')), /i8_big\.npy: value 9007199254740993 at index 0 is beyond/);
  assert.throws(() => readNpy(path.join(FIX, 'object.npy')), /object\.npy: dtype '\|O'.*pickled/);
});

test('truncated and non-npy files give clear errors', () => {
  const bytes = fs.readFileSync(path.join(FIX, 'f4_2d.npy'));
  assert.throws(() => readNpy(new Uint8Array(bytes.subarray(0, bytes.length - 4)), 'cut.npy'), /cut\.npy: truncated: shape \(3, 4\) of <f4 needs 48/);
  assert.throws(() => readNpy(new TextEncoder().encode('hello world'), 'x.npy'), /x\.npy: not a \.npy file/);
  assert.throws(() => readNpy('/nonexistent/a.npy'), /a\.npy: file not found/);
});

test('write → numpy-compatible bytes → read round trip for every dtype', () => {
  const dir = tempDir();
  try {
    const cases = [
      { data: Float32Array.from([1.5, -2, 3]), shape: [3] },
      { data: Float64Array.from([0, -(2 ** 53), 2 ** 53, 42, 5e9, -5e9]), dtype: 'int64' as const, shape: [2, 3] },
      { data: Float64Array.from([0, 2 ** 53, 5e9]), dtype: 'uint64' as const },
      { data: Int16Array.from({ length: 24 }, (_, i) => i - 12), shape: [2, 3, 4] },
      { data: Uint8Array.from([1, 0, 1]), dtype: 'bool' as const },
      { data: ['a', 'µV', '😀x'] },
      { data: Int32Array.from([7]), shape: [] as number[] },
    ];
    for (const [i, c] of cases.entries()) {
      const p = path.join(dir, `c${i}.npy`);
      writeNpy(p, c);
      const back = readNpy(p);
      assert.deepEqual(back.shape, c.shape ?? [c.data.length]);
      assert.deepEqual(Array.from(back.data as ArrayLike<unknown>), Array.from(c.data as ArrayLike<unknown>));
      // numpy requires the data to start at a multiple of 64 bytes after a '\n'-terminated header.
      const h = readNpyHeaderFromFile(p);
      assert.equal(h.dataOffset % 64, 0);
      assert.equal(fs.readFileSync(p)[h.dataOffset - 1], 0x0a);
    }
    assert.equal(readNpy(path.join(dir, 'c1.npy')).descr, '<i8');
    assert.equal(readNpy(path.join(dir, 'c5.npy')).descr, '<U2'); // code points, not UTF-16 units
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('partial')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writer output is byte-identical to numpy for simple and structured arrays', () => {
  const mine = npyToBytes({ data: Float64Array.from([10, 20, 20, 2 ** 40]), dtype: 'int64' });
  assert.ok(mine.length > 0);
  const spikes = readNpy(path.join(FIX, 'structured.npy'));
  const rewritten = npyToBytes({ fields: spikes.fields, fieldInfo: spikes.fieldInfo });
  assert.deepEqual(Buffer.from(rewritten), fs.readFileSync(path.join(FIX, 'structured.npy')));
  const f4 = readNpy(path.join(FIX, 'f4_2d.npy'));
  assert.deepEqual(Buffer.from(npyToBytes(f4)), fs.readFileSync(path.join(FIX, 'f4_2d.npy')));
});

test('writing refuses values that do not fit the storage dtype', () => {
  assert.throws(() => npyToBytes({ data: Float64Array.from([1.5]), dtype: 'int64' }, 'o.npy'), /o\.npy: value 1\.5 at index 0 cannot be stored as int64/);
  assert.throws(() => npyToBytes({ data: Float64Array.from([-1]), dtype: 'uint64' }), /cannot be stored as uint64/);
  assert.throws(() => npyToBytes({ data: Float64Array.from([300]), dtype: 'uint8' }), /300 at index 0 does not fit in uint8/);
  assert.throws(() => npyToBytes({ data: Float32Array.from([1, 2]), shape: [3] }), /holds 3 values but data has 2/);
});
