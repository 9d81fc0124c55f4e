/** The matching pass: every chunk (with margins) is peeled with the templates; results are concatenated in time order. */
import type { Reporter } from '../exec/reporter.js';
import { MatchOptions, MatchTemplate, matchWindow } from './matching.js';
import { NormalizedSource, chunkRanges, readNormalized } from './traces.js';

export interface MatchedRecording {
  segment: Int32Array;
  sample: Float64Array;
  unit: Int32Array;
  amplitude: Float32Array;
  x: Float32Array;
  y: Float32Array;
  pcFeatures: Float32Array;
}

export function matchRecording(src: NormalizedSource, templates: MatchTemplate[], opts: MatchOptions, chunkSamples: number, reporter: Reporter): MatchedRecording {
  const rec = src.recording;
  const margin = 3 * (opts.length + opts.maxShift + 2);
  const jobs: [number, number, number][] = [];
  for (let s = 0; s < rec.numSegments; s++) for (const [a, b] of chunkRanges(rec.getNumSamples(s), chunkSamples)) jobs.push([s, a, b]);
  const parts: { seg: number; m: ReturnType<typeof matchWindow> }[] = [];
  reporter.begin('template matching', jobs.length);
  jobs.forEach(([seg, start, end], j) => {
    const win = readNormalized(src, seg, start, end, margin);
    const m = templates.length ? matchWindow(win.data, win.numSamples, win.numChannels, win.firstSample, margin, margin + (end - start), templates, opts) : null;
    if (m) parts.push({ seg, m });
    reporter.progress(j + 1);
  });
  reporter.end();
  const cat = <T extends Float64Array | Float32Array | Int32Array>(pick: (m: ReturnType<typeof matchWindow>) => T, make: (n: number) => T): T => {
    const out = make(parts.reduce((a, p) => a + pick(p.m).length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(pick(p.m) as never, o);
      o += pick(p.m).length;
    }
    return out;
  };
  const segment = new Int32Array(parts.reduce((a, p) => a + p.m.sample.length, 0));
  let o = 0;
  for (const p of parts) {
    segment.fill(p.seg, o, o + p.m.sample.length);
    o += p.m.sample.length;
  }
  return {
    segment,
    sample: cat((m) => m.sample, (n) => new Float64Array(n)),
    unit: cat((m) => m.unit, (n) => new Int32Array(n)),
    amplitude: cat((m) => m.amplitude, (n) => new Float32Array(n)),
    x: cat((m) => m.x, (n) => new Float32Array(n)),
    y: cat((m) => m.y, (n) => new Float32Array(n)),
    pcFeatures: cat((m) => m.pcFeatures, (n) => new Float32Array(n)),
  };
}
