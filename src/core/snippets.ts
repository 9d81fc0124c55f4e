/**
 * Snippets: short waveform cut-outs around given frames (SpikeInterface's BaseSnippets), stored as one
 * float32 block numSnippets × numSamples × numChannels (µV when cut from a scaled recording).
 */
import { Recording } from './recording.js';

export interface SnippetsInit {
  /** numSnippets × numSamples × channelIds.length values. */
  data: Float32Array;
  /** Frame (sample index) of each snippet's alignment point. */
  frames: ArrayLike<number>;
  /** Samples before the alignment point. */
  nBefore: number;
  numSamples: number;
  channelIds: string[];
  samplingFrequency: number;
  segments?: ArrayLike<number>;
}

export class Snippets {
  readonly data: Float32Array;
  readonly frames: Float64Array;
  readonly segments: Int32Array;
  readonly nBefore: number;
  readonly numSamples: number;
  readonly channelIds: readonly string[];
  readonly samplingFrequency: number;

  constructor(init: SnippetsInit) {
    const n = init.frames.length;
    const nc = init.channelIds.length;
    if (!Number.isInteger(init.numSamples) || init.numSamples < 1) throw new Error(`snippets: numSamples must be a positive integer, got ${init.numSamples}`);
    if (!Number.isInteger(init.nBefore) || init.nBefore < 0 || init.nBefore >= init.numSamples) {
      throw new Error(`snippets: nBefore ${init.nBefore} must be in 0..${init.numSamples - 1}`);
    }
    if (init.data.length !== n * init.numSamples * nc) {
      throw new Error(`snippets: ${init.data.length} values for ${n} snippets × ${init.numSamples} samples × ${nc} channels`);
    }
    if (init.segments && init.segments.length !== n) throw new Error(`snippets: ${init.segments.length} segment indices for ${n} snippets`);
    this.data = init.data;
    this.frames = Float64Array.from(init.frames);
    this.segments = init.segments ? Int32Array.from(init.segments) : new Int32Array(n);
    this.nBefore = init.nBefore;
    this.numSamples = init.numSamples;
    this.channelIds = Object.freeze([...init.channelIds]);
    this.samplingFrequency = init.samplingFrequency;
  }

  /**
   * Cuts [frame − nBefore, frame − nBefore + numSamples) around each frame of a recording segment
   * (µV unless scaled is false). Frames whose window leaves the segment are an error naming the frame.
   */
  static fromRecording(
    rec: Recording,
    frames: ArrayLike<number>,
    opts: { nBefore: number; numSamples: number; segment?: number; channels?: ArrayLike<number>; scaled?: boolean },
  ): Snippets {
    const seg = opts.segment ?? 0;
    const ns = rec.getNumSamples(seg);
    const chans = opts.channels ? Int32Array.from(opts.channels) : Int32Array.from({ length: rec.numChannels }, (_, i) => i);
    const nc = chans.length;
    const block = opts.numSamples * nc;
    const data = new Float32Array(frames.length * block);
    for (let i = 0; i < frames.length; i++) {
      const start = frames[i] - opts.nBefore;
      const end = start + opts.numSamples;
      if (!Number.isInteger(start) || start < 0 || end > ns) {
        throw new Error(`snippets: frame ${frames[i]} needs samples [${start}, ${end}) outside segment ${seg} (0..${ns}); drop spikes near the edges`);
      }
      const tr = rec.getTraces({ segment: seg, start, end, channels: chans, scaled: opts.scaled ?? true });
      data.set(tr, i * block);
    }
    return new Snippets({
      data,
      frames,
      nBefore: opts.nBefore,
      numSamples: opts.numSamples,
      channelIds: Array.from(chans, (c) => rec.channelIds[c]),
      samplingFrequency: rec.samplingFrequency,
      segments: new Int32Array(frames.length).fill(seg),
    });
  }

  get numSnippets(): number {
    return this.frames.length;
  }

  get numChannels(): number {
    return this.channelIds.length;
  }

  /** Snippet i as a numSamples × numChannels view. */
  get(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.numSnippets) throw new Error(`snippets: index ${i} is outside 0..${this.numSnippets - 1}`);
    const b = this.numSamples * this.numChannels;
    return this.data.subarray(i * b, (i + 1) * b);
  }

  /** Snippets whose indices are given, in that order. */
  select(indices: ArrayLike<number>): Snippets {
    const b = this.numSamples * this.numChannels;
    const data = new Float32Array(indices.length * b);
    const idx = Array.from(indices);
    idx.forEach((i, k) => data.set(this.get(i), k * b));
    return new Snippets({
      data,
      frames: idx.map((i) => this.frames[i]),
      segments: idx.map((i) => this.segments[i]),
      nBefore: this.nBefore,
      numSamples: this.numSamples,
      channelIds: [...this.channelIds],
      samplingFrequency: this.samplingFrequency,
    });
  }

  /** Mean snippet (numSamples × numChannels): a template. */
  mean(): Float32Array {
    const b = this.numSamples * this.numChannels;
    const acc = new Float64Array(b);
    for (let i = 0; i < this.numSnippets; i++) {
      const s = this.get(i);
      for (let k = 0; k < b; k++) acc[k] += s[k];
    }
    return Float32Array.from(acc, (v) => (this.numSnippets ? v / this.numSnippets : 0));
  }
}
