/**
 * Raw binary recordings: samples interleaved time-major (sample 0 of every channel, then sample 1, ...),
 * one file per segment, optionally after a header of `byteOffset` bytes. The file may hold more
 * channels than the recording exposes (sync or auxiliary channels): `fileChannels` picks them.
 */
import { DType, DTYPE_BYTES, NumericArray, allocArray, isFloatDType, viewAs } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { ByteSource, FileByteSource, formatBytes } from './bytesource.js';

export interface BinaryRecordingOptions {
  /** One file (or byte source) per segment. */
  files: (string | ByteSource)[];
  samplingFrequency: number;
  /** Channels stored in the file, including non-ephys ones. */
  numChannelsInFile: number;
  dtype: DType;
  byteOffset?: number;
  /** Bytes to ignore at the end of each file (e.g. a footer). */
  byteTrailer?: number;
  /** Which file columns form the recording's channels (default: all). */
  fileChannels?: ArrayLike<number>;
  channelIds?: string[];
  gains?: ArrayLike<number>;
  offsets?: ArrayLike<number>;
  bigEndian?: boolean;
  /** Number of samples per segment when the file is longer than the data (default: from the file size). */
  numSamples?: number[];
  /** Extra metadata (probe, properties, annotations, times). */
  init?: Partial<RecordingInit>;
}

export class BinaryRecording extends Recording {
  private readonly sources: ByteSource[];
  private readonly fileChannels: Int32Array;
  private readonly numChannelsInFile: number;
  private readonly byteOffset: number;
  private readonly bigEndian: boolean;
  private readonly opts: BinaryRecordingOptions;

  constructor(opts: BinaryRecordingOptions) {
    const item = DTYPE_BYTES[opts.dtype];
    if (!item) throw new Error(`unknown dtype '${opts.dtype}'`);
    if (!Number.isInteger(opts.numChannelsInFile) || opts.numChannelsInFile < 1) {
      throw new Error(`number of channels must be a positive integer, got ${opts.numChannelsInFile}: check --channels`);
    }
    if (opts.files.length === 0) throw new Error('a binary recording needs at least one file');
    const offset = opts.byteOffset ?? 0;
    const trailer = opts.byteTrailer ?? 0;
    const frameBytes = opts.numChannelsInFile * item;
    const sources = opts.files.map((f) => (typeof f === 'string' ? new FileByteSource(f) : f));
    const numSamples = sources.map((src, s) => {
      const dataBytes = src.size - offset - trailer;
      if (dataBytes < 0) {
        throw new Error(`${src.name}: file has ${formatBytes(src.size)} bytes, fewer than the header offset of ${formatBytes(offset)} bytes: check the byte offset`);
      }
      const fromSize = Math.floor(dataBytes / frameBytes);
      const want = opts.numSamples?.[s];
      if (want !== undefined) {
        if (want > fromSize) {
          throw new Error(`${src.name}: metadata says ${want} samples but the file holds only ${fromSize} (${formatBytes(src.size)} bytes): the file is truncated or the channel count/dtype is wrong`);
        }
        return want;
      }
      if (dataBytes % frameBytes !== 0) {
        throw new Error(
          `${src.name}: file size ${formatBytes(dataBytes)} bytes${offset ? ` (after a ${offset}-byte header)` : ''} is not a multiple of ${opts.numChannelsInFile} channels × ${item} bytes (${opts.dtype}): check --channels and --dtype, or the file is truncated`,
        );
      }
      return fromSize;
    });
    const fileChannels = opts.fileChannels ? Int32Array.from(opts.fileChannels) : Int32Array.from({ length: opts.numChannelsInFile }, (_, i) => i);
    for (const c of fileChannels) {
      if (c < 0 || c >= opts.numChannelsInFile) throw new Error(`file channel ${c} is outside 0..${opts.numChannelsInFile - 1}`);
    }
    const channelIds = opts.channelIds ?? Array.from(fileChannels, (c) => String(c));
    if (channelIds.length !== fileChannels.length) {
      throw new Error(`${channelIds.length} channel ids for ${fileChannels.length} channels`);
    }
    super({
      samplingFrequency: opts.samplingFrequency,
      channelIds,
      dtype: opts.dtype,
      numSamples,
      gains: opts.gains,
      offsets: opts.offsets,
      ...opts.init,
    });
    this.sources = sources;
    this.fileChannels = fileChannels;
    this.numChannelsInFile = opts.numChannelsInFile;
    this.byteOffset = offset;
    this.bigEndian = opts.bigEndian ?? false;
    this.opts = opts;
  }

  override toSpec(): RecordingSpec | null {
    if (!this.opts.files.every((f) => typeof f === 'string')) return null;
    const { files, ...rest } = this.opts;
    return {
      module: import.meta.url,
      exportName: 'BinaryRecording',
      args: { ...rest, files, numSamples: this.segmentSamples, init: this.baseInit() },
    };
  }

  static fromSpec(args: unknown): BinaryRecording {
    const a = args as BinaryRecordingOptions;
    return new BinaryRecording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  /** The files behind each segment. */
  get fileNames(): string[] {
    return this.sources.map((s) => s.name);
  }

  /** Where the samples live, for tools that read the file themselves (Phy's params.py). */
  get layout(): { files: string[]; numChannelsInFile: number; dtype: DType; byteOffset: number; fileChannels: Int32Array } {
    return {
      files: this.fileNames,
      numChannelsInFile: this.numChannelsInFile,
      dtype: this.dtype,
      byteOffset: this.byteOffset,
      fileChannels: Int32Array.from(this.fileChannels),
    };
  }

  close(): void {
    for (const s of this.sources) s.close();
  }

  /** The buffer readRawScratch reuses (grown, never shrunk). */
  private rawScratch = new Uint8Array(0);

  /**
   * As getTraces({ segment, start, end, scaled: false }) for all channels, in a buffer this recording reuses
   * (valid until its next call; each worker thread has its own recording), or null when the file holds other
   * channels too (then use getTraces). Saves a fresh array per chunk on long recordings.
   */
  readRawScratch(segment: number, start: number, end: number): NumericArray | null {
    this.checkSegment(segment);
    const ns = this.getNumSamples(segment);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ns || start > end) {
      throw new Error(`readRawScratch: frames [${start}, ${end}) are outside segment ${segment} (0..${ns})`);
    }
    const length = (end - start) * this.numChannelsInFile * DTYPE_BYTES[this.dtype];
    if (!this.readsRawInto(segment)) return null;
    if (this.rawScratch.length < length) this.rawScratch = new Uint8Array(length);
    return this.readRawInto(segment, start, end, this.rawScratch.subarray(0, length));
  }

  /** Whether readRawInto can read this segment: the file holds exactly the recording's channels, in order. */
  readsRawInto(segment: number): boolean {
    this.checkSegment(segment);
    const nf = this.numChannelsInFile;
    return this.numChannels === nf && this.fileChannels.every((c, j) => c === j) && this.sources[segment].readInto !== undefined;
  }

  /**
   * As readRawScratch, into `target` (exactly the window's bytes), e.g. memory a kernel computes in, so the
   * samples need no further copy; null when readsRawInto is false. Returns the samples as a view of target.
   */
  readRawInto(segment: number, start: number, end: number, target: Uint8Array): NumericArray | null {
    this.checkSegment(segment);
    const ns = this.getNumSamples(segment);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ns || start > end) {
      throw new Error(`readRawInto: frames [${start}, ${end}) are outside segment ${segment} (0..${ns})`);
    }
    const length = (end - start) * this.numChannelsInFile * DTYPE_BYTES[this.dtype];
    if (target.length !== length) throw new Error(`readRawInto: target holds ${target.length} bytes, the window [${start}, ${end}) ${length}`);
    if (!this.readsRawInto(segment)) return null;
    return this.decode(segment, start, this.sources[segment].readInto!(this.fileOffset(start), target));
  }

  private fileOffset(sample: number): number {
    return this.byteOffset + sample * this.numChannelsInFile * DTYPE_BYTES[this.dtype];
  }

  /** File bytes of rows from `start` as samples: byte order fixed in place, float data checked finite. */
  private decode(segment: number, start: number, bytes: Uint8Array): NumericArray {
    const item = DTYPE_BYTES[this.dtype];
    if (this.bigEndian && item > 1) swapBytes(bytes, item);
    const all = viewAs(this.dtype, bytes);
    if (isFloatDType(this.dtype)) checkFinite(all, this.sources[segment].name, start, this.numChannelsInFile);
    return all;
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const item = DTYPE_BYTES[this.dtype];
    const nf = this.numChannelsInFile;
    const src = this.sources[segment];
    const length = (end - start) * nf * item;
    const swapped = this.bigEndian && item > 1;
    // decode swaps big-endian bytes in place: never in a memory source's own bytes (its read() is a view of them).
    const bytes = !swapped ? src.read(this.fileOffset(start), length)
      : src.readInto ? src.readInto(this.fileOffset(start), new Uint8Array(length)) : src.read(this.fileOffset(start), length).slice();
    const all = this.decode(segment, start, bytes);
    const nc = channels.length;
    const cols = channels.map((c) => this.fileChannels[c]);
    let identity = nc === nf;
    for (let j = 0; identity && j < nc; j++) identity = cols[j] === j;
    if (identity) return all;
    const out = allocArray(this.dtype, (end - start) * nc);
    for (let t = 0, o = 0; t < end - start; t++) {
      const b = t * nf;
      for (let j = 0; j < nc; j++) out[o++] = all[b + cols[j]];
    }
    return out;
  }
}

function swapBytes(b: Uint8Array, item: number): void {
  for (let i = 0; i < b.length; i += item) {
    for (let a = 0, z = item - 1; a < z; a++, z--) {
      const t = b[i + a];
      b[i + a] = b[i + z];
      b[i + z] = t;
    }
  }
}

function checkFinite(a: NumericArray, file: string, startSample: number, nc: number): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new Error(`${file}: ${a[i]} at sample ${startSample + Math.floor(i / nc)}, channel ${i % nc}: float data must be finite; repair or interpolate the file before sorting`);
    }
  }
}
