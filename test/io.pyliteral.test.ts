import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePyAssignments, parsePyLiteral, toPyLiteral } from '../src/io/pyliteral.js';

test('parsePyLiteral reads npy-style header dicts, tuples and nested lists', () => {
  assert.deepEqual(parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"), {
    descr: '<f4',
    fortran_order: false,
    shape: [3, 4],
  });
  assert.deepEqual(parsePyLiteral('(5,)'), [5]);
  assert.deepEqual(parsePyLiteral('()'), []);
  assert.equal(parsePyLiteral('(5)'), 5);
  assert.deepEqual(parsePyLiteral("[('a', '<i8'), ('b', '<f4', (2,))]"), [['a', '<i8'], ['b', '<f4', [2]]]);
  assert.deepEqual(parsePyLiteral('[1e3, -2.5, 0x1F, 1_000, .5, None, True]'), [1000, -2.5, 31, 1000, 0.5, null, true]);
  assert.equal(parsePyLiteral("float('-inf')"), -Infinity);
  assert.ok(Number.isNaN(parsePyLiteral("float('nan')") as number));
});

test('string forms: escapes, raw strings, triple quotes, concatenation', () => {
  assert.equal(parsePyLiteral(String.raw`'a\'b\n\x41\u00b5'`), "a'b\nAµ");
  assert.equal(parsePyLiteral(String.raw`r'C:\data\new.dat'`), String.raw`C:\data\new.dat`);
  assert.equal(parsePyLiteral('"""x\ny"""'), 'x\ny');
  assert.equal(parsePyLiteral("('ab' 'cd')"), 'abcd');
});

test('parsePyAssignments reads a Phy params.py without executing anything', () => {
  const text = [
    '# written by Kilosort',
    "dat_path = r'D:\\rec\\continuous.dat'",
    'n_channels_dat = 385',
    "dtype = 'int16'",
    'offset = 0',
    'sample_rate = 30000.',
    'hp_filtered = False',
    'dat_path_list = ["a.bin",',
    '                 "b.bin"]',
    '',
  ].join('\n');
  assert.deepEqual(parsePyAssignments(text), {
    dat_path: 'D:\\rec\\continuous.dat',
    n_channels_dat: 385,
    dtype: 'int16',
    offset: 0,
    sample_rate: 30000,
    hp_filtered: false,
    dat_path_list: ['a.bin', 'b.bin'],
  });
});

test('code is refused, naming the file and line', () => {
  assert.throws(() => parsePyAssignments('a = 1\nimport os\n', 'params.py'), /params\.py: line 2, column \d+: expected '='/);
  assert.throws(() => parsePyAssignments("x = os.system('rm')\n", 'params.py'), /'os' is not a literal/);
  assert.throws(() => parsePyAssignments('x = 1 + 2\n'), /line 1.*unexpected/);
  assert.throws(() => parsePyLiteral("'abc"), /unterminated string/);
});

test('toPyLiteral round-trips through the parser', () => {
  const v = { a: [1, 2.5, -3], s: "it's \"q\"\n", t: true, n: null, inf: Infinity };
  assert.deepEqual(parsePyLiteral(toPyLiteral(v)), v);
});
