import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sorting, aggregateUnits } from '../src/core/sorting.js';
import { parseDType } from '../src/core/dtypes.js';

function twoUnits(): Sorting {
  return Sorting.fromTrains(
    [
      [
        [10, 50, 90],
        [20, 60],
      ],
    ],
    { samplingFrequency: 1000, unitIds: ['a', 'b'] },
  );
}

test('spike vector is sorted and unit trains are recovered', () => {
  const s = twoUnits();
  assert.deepEqual(Array.from(s.spikes.sample), [10, 20, 50, 60, 90]);
  assert.deepEqual(Array.from(s.getUnitSpikeTrain('a')), [10, 50, 90]);
  assert.deepEqual(Array.from(s.getUnitSpikeTrain(1, 0, 15, 60)), [20]);
  assert.deepEqual(Array.from(s.countSpikes()), [3, 2]);
  assert.deepEqual(Array.from(s.getUnitSpikeTrainSeconds('b')), [0.02, 0.06]);
});

test('fromTimesLabels orders numeric labels naturally', () => {
  const s = Sorting.fromTimesLabels([5, 1, 3], [10, 2, 10], 30000);
  assert.deepEqual([...s.unitIds], ['2', '10']);
  assert.deepEqual(Array.from(s.getUnitSpikeTrain('10')), [3, 5]);
  assert.throws(() => Sorting.fromTimesLabels([1, 2], [1], 30000), /2 spike times but 1 labels/);
});

test('select, remove, frame slice', () => {
  const s = twoUnits();
  s.properties.set('quality', ['good', 'mua']);
  const b = s.selectUnits(['b']);
  assert.deepEqual([...b.unitIds], ['b']);
  assert.deepEqual(b.properties.get('quality'), ['mua']);
  assert.equal(b.numSpikes, 2);
  assert.deepEqual([...s.removeUnits(['b']).unitIds], ['a']);
  const fs = s.frameSlice(20, 61);
  assert.deepEqual(Array.from(fs.spikes.sample), [0, 30, 40]);
  assert.throws(() => s.selectUnits(['zz']), /unknown unit id 'zz'/);
});

test('split segments and concatenate are inverse', () => {
  const s = twoUnits();
  const split = s.splitSegments([0, 55], [55, 45]);
  assert.equal(split.numSegments, 2);
  assert.deepEqual(Array.from(split.getUnitSpikeTrain('a', 1)), [35]);
  const back = split.concatenateSegments();
  assert.deepEqual(Array.from(back.spikes.sample), Array.from(s.spikes.sample));
  assert.throws(() => twoUnits().splitSegments([0, 55]).concatenateSegments(), /needs the length of every segment/);
});

test('aggregate units prefixes clashing ids', () => {
  const agg = aggregateUnits([twoUnits(), twoUnits()]);
  assert.deepEqual([...agg.unitIds], ['0-a', '0-b', '1-a', '1-b']);
  assert.equal(agg.numSpikes, 10);
});

test('invalid spike vectors are rejected', () => {
  assert.throws(
    () => new Sorting({ sample: Float64Array.of(1), unit: Int32Array.of(3), segment: Int32Array.of(0) }, { samplingFrequency: 1, unitIds: ['x'] }),
    /unit index 3/,
  );
  assert.throws(() => parseDType('complex64', 'binary.json dtype'), /binary.json dtype: unknown dtype 'complex64'/);
  assert.equal(parseDType('<i2'), 'int16');
});
