import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SORTER_PARAMS, defaultSorterParams, resolveSorterParams } from '../src/sorter/params.js';

test('every parameter default lies in its documented range', () => {
  for (const [section, table] of Object.entries(SORTER_PARAMS)) {
    for (const [name, spec] of Object.entries(table as Record<string, { default: unknown; min?: number; max?: number; choices?: readonly string[]; meaning: string }>)) {
      assert.ok(spec.meaning.length > 10, `${section}.${name} needs a meaning`);
      if (typeof spec.default === 'number') assert.ok(spec.default >= spec.min! && spec.default <= spec.max!, `${section}.${name}`);
      if (spec.choices) assert.ok(spec.choices.includes(spec.default as string), `${section}.${name}`);
    }
  }
});

test('overrides are applied and bad values are refused with the valid range', () => {
  assert.equal(resolveSorterParams({ detection: { thresholdSigma: 6 } }).detection.thresholdSigma, 6);
  assert.equal(defaultSorterParams().detection.thresholdSigma, SORTER_PARAMS.detection.thresholdSigma.default);
  assert.throws(() => resolveSorterParams({ detection: { thresholdSigma: 0.5 } }), /detection\.thresholdSigma.*\[2, 50\]/);
  assert.throws(() => resolveSorterParams({ detection: { polarity: 'up' } }), /not one of negative, positive, both/);
  assert.throws(() => resolveSorterParams({ detection: { nope: 1 } } as never), /unknown sorter parameter 'detection.nope'/);
});
