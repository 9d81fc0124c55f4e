/**
 * Record-structured continuous files (Neuralynx .ncs, Open Ephys legacy .continuous): one channel per
 * file, a fixed-size header, then fixed-size records each holding up to N int16 samples (only the first
 * `valid` count), possibly big-endian. Each segment is a run of consecutive records; the index (valid
 * counts) is built once by the opener and travels in the spec, so workers never rescan the files.
 */
import { NumericArray } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { ByteSource, FileByteSource } from './bytesource.js';
import { upperBound } from '../core/search.js';

export interface RecordBlockSegment {
  /** Index of the segment's first record in every file. */
  firstRecord: number;
  /** Valid samples of each record of the segment. */
  valid: number[];
}

export interface RecordBlockLayout {
  /** One file per channel, all with the same record structure. */
  files: string[];
  headerBytes: number;
  recordBytes: number;
  /** Byte offset of the first sample inside a record. */
  sampleOffset: number;
  bigEndian: boolean;
  segments: RecordBlockSegment[];
}

export interface RecordBlockArgs {
  layout: RecordBlockLayout;
  init: Omit<RecordingInit, 'numSamples' | 'dtype'>;
}

export class RecordBlockRecording extends Recording {
  private readonly layout: RecordBlockLayout;
  private readonly args: RecordBlockArgs;
  /** Per segment: cumulative valid samples before each record (length records + 1). */
  private readonly cumulative: Float64Array[];
  private sources: (ByteSource | null)[];

  constructor(args: RecordBlockArgs) {
    const { layout } = args;
    if (layout.files.length !== args.init.channelIds.length) {
      throw new Error(`record-structured recording: ${layout.files.length} files for ${args.init.channelIds.length} channel ids`);
    }
    const cumulative = layout.segments.map((s) => {
      const c = new Float64Array(s.valid.length + 1);
      s.valid.forEach((v, i) => (c[i + 1] = c[i] + v));
      return c;
    });
    super({ ...args.init, dtype: 'int16', numSamples: cumulative.map((c) => c[c.length - 1]) });
    this.layout = layout;
    this.args = args;
    this.cumulative = cumulative;
    this.sources = layout.files.map(() => null);
  }

  override toSpec(): RecordingSpec {
    return {
      module: import.meta.url,
      exportName: 'RecordBlockRecording',
      args: { layout: this.layout, init: { ...this.baseInit(), numSamples: undefined, dtype: undefined } },
    };
  }

  static fromSpec(args: unknown): RecordBlockRecording {
    const a = args as RecordBlockArgs;
    return new RecordBlockRecording({ layout: a.layout, init: reviveInit(a.init as RecordingInit) });
  }

  close(): void {
    for (const s of this.sources) s?.close();
    this.sources = this.layout.files.map(() => null);
  }

  private source(c: number): ByteSource {
    return (this.sources[c] ??= new FileByteSource(this.layout.files[c]));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const seg = this.layout.segments[segment];
    const cum = this.cumulative[segment];
    const r0 = upperBound(cum, start) - 1;
    const r1 = upperBound(cum, end - 1) - 1;
    const { headerBytes, recordBytes, sampleOffset, bigEndian } = this.layout;
    const nc = channels.length;
    const n = end - start;
    const out = new Int16Array(n * nc);
    channels.forEach((ch, j) => {
      const first = seg.firstRecord + r0;
      const src = this.source(ch);
      const offset = headerBytes + first * recordBytes;
      // The last record may be short on disk (files cut into equal chunks); its valid count stays inside.
      const bytes = src.read(offset, Math.min((r1 - r0 + 1) * recordBytes, src.size - offset));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let r = r0; r <= r1; r++) {
        const from = Math.max(start, cum[r]);
        const to = Math.min(end, cum[r + 1]);
        const base = (r - r0) * recordBytes + sampleOffset;
        for (let t = from; t < to; t++) {
          out[(t - start) * nc + j] = view.getInt16(base + (t - cum[r]) * 2, !bigEndian);
        }
      }
    });
    return out;
  }
}
