/**
 * InterpolateMotionRecording's block-wise kernel reads against the per-sample sum written here from
 * krigingMixing (each channel's row, sources mapped to recording channels, float64 sum rounded to float32),
 * bit for bit: full reads, channel subsets in any order, reads that start and end inside blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { makeLayoutProbe } from '../src/core/generatorprobes.js';
import { correctMotion, krigingInverse, krigingMixing } from '../src/motion/correct.js';
import { motionFromArrays, displacementAt } from '../src/motion/motion.js';
import { randomArray } from './helpers/random.js';

const FS = 1000;
const NC = 24;
const BLOCK_S = 0.1;

test('corrected reads equal the kriging sum per sample, bit for bit, for any channel subset and read window', () => {
  const probe = makeLayoutProbe({ layout: 'neuropixels-like', numChannels: NC });
  const ns = FS;
  const data = randomArray(ns * NC, 11).map((v) => v * 50);
  const rec = InMemoryRecording.fromArray(data, NC, FS, { probe });
  const motion = motionFromArrays({ temporalBinsS: [0.1, 0.5, 0.9], displacementUm: [-9, 4, 15] });
  const corrected = correctMotion(rec, motion, { blockS: BLOCK_S });
  const loc = probe.probes[0].positions;
  const pos = Float64Array.from(loc.slice(0, 2 * NC));
  const inv = krigingInverse(pos, 20, 2, 0.01);
  const expected = (t: number, c: number): number => {
    const block = Math.floor(t / (BLOCK_S * FS));
    const time = (block + 0.5) * BLOCK_S;
    const dst = Float64Array.from(pos);
    for (let i = 0; i < NC; i++) dst[2 * i + 1] += displacementAt(motion, 0, 0, time, pos[2 * i + 1]);
    const m = krigingMixing(pos, dst, inv, 20, 2);
    let s = 0;
    for (let q = m.offsets[c]; q < m.offsets[c + 1]; q++) s += m.weight[q] * data[t * NC + m.source[q]];
    return Math.fround(s);
  };
  for (const [start, end, channels] of [[0, ns, null], [37, 412, Int32Array.of(5, 0, 23, 11)], [250, 251, Int32Array.of(3)]] as const) {
    const got = corrected.getTraces({ start, end, channels: channels ?? undefined, scaled: true }) as Float32Array;
    const list = channels ?? Int32Array.from({ length: NC }, (_, c) => c);
    for (let t = start; t < end; t += t % 7 === 0 ? 1 : 13) {
      for (let j = 0; j < list.length; j++) {
        const want = expected(t, list[j]);
        const v = got[(t - start) * list.length + j];
        if (!Object.is(v, want)) assert.fail(`sample ${t}, channel ${list[j]}: ${v} vs ${want}`);
      }
    }
  }
});
