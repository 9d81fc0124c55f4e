/**
 * Intan RHD2000 (.rhd) recordings in the three layouts Intan software writes:
 *  - traditional: one .rhd holding the header then data blocks (60 or 128 samples per block; inside a
 *    block each signal is stored channel by channel);
 *  - one file per signal type: info.rhd + amplifier.dat (int16, time-major);
 *  - one file per channel: info.rhd + amp-A-000.dat, ... (int16 each).
 * The amplifier channels form the recording (0.195 µV per bit). RHS (stimulation) headers are
 * recognised and rejected with a clear message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NumericArray } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { BinaryRecording } from './binary.js';
import { ByteSource, FileByteSource, formatBytes } from './bytesource.js';
import { RecordBlockRecording } from './recordblocks.js';

export const RHD_MAGIC = 0xc6912702;
export const RHS_MAGIC = 0xd69127ac;
const AMPLIFIER_UV_PER_BIT = 0.195;

export type IntanSignalType = 'amplifier' | 'aux' | 'supply' | 'adc' | 'digitalIn' | 'digitalOut';
const SIGNAL_TYPES: IntanSignalType[] = ['amplifier', 'aux', 'supply', 'adc', 'digitalIn', 'digitalOut'];

export interface IntanChannel {
  nativeName: string;
  customName: string;
  signalType: IntanSignalType;
  enabled: boolean;
  chipChannel: number;
  boardStream: number;
  impedanceMagnitude: number;
}

export interface RhdHeader {
  version: { major: number; minor: number };
  samplingFrequency: number;
  dspEnabled: boolean;
  /** 0 none, 1 = 50 Hz, 2 = 60 Hz. */
  notchFilterMode: number;
  lowerBandwidth: number;
  upperBandwidth: number;
  numTempSensors: number;
  referenceChannel: string;
  /** Enabled channels, in file order. */
  channels: IntanChannel[];
  /** Bytes of header; data blocks (traditional layout) start here. */
  headerBytes: number;
  samplesPerBlock: number;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly where: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error(`${this.where}: header ends early at byte ${this.pos}; the file is truncated or not an Intan .rhd`);
  }
  u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i16(): number { this.need(2); const v = this.view.getInt16(this.pos, true); this.pos += 2; return v; }
  f32(): number { this.need(4); const v = this.view.getFloat32(this.pos, true); this.pos += 4; return v; }
  /** Qt QString: uint32 byte length (0xFFFFFFFF = null) then UTF-16LE. */
  qstring(): string {
    const n = this.u32();
    if (n === 0xffffffff) return '';
    if (n % 2 !== 0) throw new Error(`${this.where}: bad string length ${n} at byte ${this.pos - 4}; the header is damaged`);
    this.need(n);
    const s = Buffer.from(this.bytes.subarray(this.pos, this.pos + n)).toString('utf16le');
    this.pos += n;
    return s;
  }
}

export function parseRhdHeader(bytes: Uint8Array, where: string): RhdHeader {
  const r = new Reader(bytes, where);
  const magic = r.u32();
  if (magic === RHS_MAGIC) throw new Error(`${where}: Intan RHS (stimulation) files are not supported yet; only RHD recordings can be read`);
  if (magic !== RHD_MAGIC) throw new Error(`${where}: magic number 0x${magic.toString(16)} is not an Intan RHD header (0xc6912702)`);
  const version = { major: r.i16(), minor: r.i16() };
  const at = (maj: number, min: number) => version.major > maj || (version.major === maj && version.minor >= min);
  const samplingFrequency = r.f32();
  const dspEnabled = r.i16() !== 0;
  r.f32(); // actual DSP cutoff
  const lowerBandwidth = r.f32();
  const upperBandwidth = r.f32();
  r.f32(); r.f32(); r.f32(); // desired cutoffs
  const notchFilterMode = r.i16();
  r.f32(); r.f32(); // impedance test frequencies
  r.qstring(); r.qstring(); r.qstring(); // notes
  const numTempSensors = at(1, 1) ? r.i16() : 0;
  if (at(1, 3)) r.i16(); // eval board mode
  const referenceChannel = at(2, 0) ? r.qstring() : '';
  const nGroups = r.i16();
  const channels: IntanChannel[] = [];
  for (let g = 0; g < nGroups; g++) {
    r.qstring(); r.qstring(); // group name, prefix
    const groupEnabled = r.i16() !== 0;
    const n = r.i16();
    r.i16(); // amplifier channels in group
    for (let c = 0; c < n; c++) {
      const nativeName = r.qstring();
      const customName = r.qstring();
      r.i16(); r.i16(); // native/custom order
      const type = r.i16();
      const enabled = r.i16() !== 0;
      const chipChannel = r.i16();
      const boardStream = r.i16();
      r.i16(); r.i16(); r.i16(); r.i16(); // spike scope trigger settings
      const impedanceMagnitude = r.f32();
      r.f32();
      if (!SIGNAL_TYPES[type]) throw new Error(`${where}: channel ${nativeName} has unknown signal type ${type}; the header is damaged`);
      if (groupEnabled && enabled) channels.push({ nativeName, customName, signalType: SIGNAL_TYPES[type], enabled, chipChannel, boardStream, impedanceMagnitude });
    }
  }
  if (!(samplingFrequency > 0)) throw new Error(`${where}: sampling rate ${samplingFrequency} is not positive; the header is damaged`);
  return {
    version,
    samplingFrequency,
    dspEnabled,
    notchFilterMode,
    lowerBandwidth,
    upperBandwidth,
    numTempSensors,
    referenceChannel,
    channels,
    headerBytes: r.pos,
    samplesPerBlock: version.major === 1 ? 60 : 128,
  };
}

export function readRhdHeader(file: string): RhdHeader {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) throw new Error(`${file}: not found`);
  const src = new FileByteSource(file);
  try {
    // Headers are a few kB; 1 MB covers hundreds of channels with long names.
    return parseRhdHeader(src.read(0, Math.min(size, 1 << 20)), file);
  } finally {
    src.close();
  }
}

/** Bytes per data block and the byte offset of amplifier data inside it (traditional layout). */
export function rhdBlockLayout(h: RhdHeader): { blockBytes: number; amplifierOffset: number; numAmplifier: number } {
  const n = h.samplesPerBlock;
  const count = (t: IntanSignalType) => h.channels.filter((c) => c.signalType === t).length;
  const nAmp = count('amplifier');
  let bytes = n * 4; // timestamps
  const amplifierOffset = bytes;
  bytes += n * 2 * nAmp;
  bytes += (n / 4) * 2 * count('aux');
  bytes += 2 * count('supply');
  bytes += 2 * h.numTempSensors; // one temperature reading per block and sensor
  bytes += n * 2 * count('adc');
  if (count('digitalIn') > 0) bytes += n * 2;
  if (count('digitalOut') > 0) bytes += n * 2;
  return { blockBytes: bytes, amplifierOffset, numAmplifier: nAmp };
}

export interface IntanBlockArgs {
  file: string;
  headerBytes: number;
  blockBytes: number;
  amplifierOffset: number;
  samplesPerBlock: number;
  numAmplifier: number;
  init: Omit<RecordingInit, 'numSamples' | 'dtype'> & { numSamples?: number[] };
}

/** Amplifier channels of a traditional .rhd file: uint16 samples stored per channel inside each block. */
export class IntanBlockRecording extends Recording {
  private src: ByteSource | null = null;
  constructor(private readonly args: IntanBlockArgs) {
    const size = fs.statSync(args.file).size;
    const blocks = Math.floor((size - args.headerBytes) / args.blockBytes);
    super({ ...args.init, dtype: 'uint16', numSamples: [blocks * args.samplesPerBlock] });
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'IntanBlockRecording', args: { ...this.args, init: this.baseInit() } };
  }

  static fromSpec(args: unknown): IntanBlockRecording {
    const a = args as IntanBlockArgs;
    return new IntanBlockRecording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  close(): void {
    this.src?.close();
    this.src = null;
  }

  /**
   * Intan's int32 sample counters for samples [start, end) (read from each block's timestamp table);
   * a step other than 1 marks samples lost during acquisition.
   */
  timestamps(start = 0, end = this.getNumSamples()): Float64Array {
    const { headerBytes, blockBytes, samplesPerBlock: n } = this.args;
    const out = new Float64Array(Math.max(0, end - start));
    if (!out.length) return out;
    const src = (this.src ??= new FileByteSource(this.args.file));
    const b0 = Math.floor(start / n);
    const b1 = Math.floor((end - 1) / n);
    for (let b = b0; b <= b1; b++) {
      const bytes = src.read(headerBytes + b * blockBytes, n * 4);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let t = Math.max(start, b * n); t < Math.min(end, (b + 1) * n); t++) out[t - start] = view.getInt32((t - b * n) * 4, true);
    }
    return out;
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const { headerBytes, blockBytes, amplifierOffset, samplesPerBlock: n } = this.args;
    const src = (this.src ??= new FileByteSource(this.args.file));
    const b0 = Math.floor(start / n);
    const b1 = Math.floor((end - 1) / n);
    const bytes = src.read(headerBytes + b0 * blockBytes, (b1 - b0 + 1) * blockBytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const nc = channels.length;
    const out = new Uint16Array((end - start) * nc);
    for (let t = start; t < end; t++) {
      const blk = Math.floor(t / n) - b0;
      const k = t % n;
      const base = blk * blockBytes + amplifierOffset;
      for (let j = 0; j < nc; j++) out[(t - start) * nc + j] = view.getUint16(base + (channels[j] * n + k) * 2, true);
    }
    return out;
  }
}

export interface IntanOptions {
  reporter?: Reporter;
}

function amplifierInit(h: RhdHeader, annotations: Record<string, unknown>): Omit<RecordingInit, 'numSamples' | 'dtype'> {
  const amps = h.channels.filter((c) => c.signalType === 'amplifier');
  return {
    samplingFrequency: h.samplingFrequency,
    channelIds: amps.map((c) => c.nativeName),
    gains: amps.map(() => AMPLIFIER_UV_PER_BIT),
    properties: new Map<string, unknown[]>([
      ['custom_name', amps.map((c) => c.customName)],
      ['impedance_ohm', amps.map((c) => c.impedanceMagnitude)],
    ]),
    annotations: {
      format: 'intan',
      rhdVersion: `${h.version.major}.${h.version.minor}`,
      notchFilterHz: h.notchFilterMode === 1 ? 50 : h.notchFilterMode === 2 ? 60 : null,
      bandwidthHz: [h.lowerBandwidth, h.upperBandwidth],
      ...annotations,
    },
  };
}

/**
 * Opens an Intan recording: a traditional .rhd file, or an info.rhd (or its folder) with amplifier.dat
 * or amp-*.dat beside it.
 */
export function openIntan(p: string, opts: IntanOptions = {}): Recording {
  const reporter = opts.reporter ?? silentReporter;
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  const rhd = st.isDirectory() ? path.join(p, 'info.rhd') : p;
  if (!fs.existsSync(rhd)) throw new Error(`${p}: no info.rhd in this folder; Intan writes it beside amplifier.dat / amp-*.dat`);
  if (/\.rhs$/i.test(rhd)) throw new Error(`${rhd}: Intan RHS (stimulation) files are not supported yet; only RHD recordings can be read`);
  const h = readRhdHeader(rhd);
  const amps = h.channels.filter((c) => c.signalType === 'amplifier');
  if (!amps.length) throw new Error(`${rhd}: no enabled amplifier channels in the header`);
  const dir = path.dirname(rhd);
  const size = fs.statSync(rhd).size;
  if (size > h.headerBytes) {
    const { blockBytes, amplifierOffset, numAmplifier } = rhdBlockLayout(h);
    const data = size - h.headerBytes;
    if (data % blockBytes !== 0) {
      reporter.log('warn', `${rhd}: ${formatBytes(data)} data bytes is not a whole number of ${formatBytes(blockBytes)}-byte blocks; the partial last block is ignored (file truncated?)`);
    }
    if (data < blockBytes) throw new Error(`${rhd}: ${formatBytes(data)} data bytes after the header is less than one ${formatBytes(blockBytes)}-byte block; the file is truncated`);
    const rec = new IntanBlockRecording({
      file: rhd,
      headerBytes: h.headerBytes,
      blockBytes,
      amplifierOffset,
      samplesPerBlock: h.samplesPerBlock,
      numAmplifier,
      init: { ...amplifierInit(h, { layout: 'traditional' }), offsets: amps.map(() => -32768 * AMPLIFIER_UV_PER_BIT) },
    });
    // First and last counters only: a full scan would read the whole file at open time.
    const n = rec.getNumSamples();
    const [first] = rec.timestamps(0, 1);
    const [last] = rec.timestamps(n - 1, n);
    if (last - first !== n - 1) {
      reporter.log('warn', `${rhd}: sample counters run from ${first} to ${last} over ${n} samples; ${last - first + 1 - n} samples were lost during acquisition (IntanBlockRecording.timestamps() shows where)`);
    }
    return rec;
  }
  const perSignal = path.join(dir, 'amplifier.dat');
  if (fs.existsSync(perSignal)) {
    return new BinaryRecording({
      files: [perSignal],
      samplingFrequency: h.samplingFrequency,
      numChannelsInFile: amps.length,
      dtype: 'int16',
      ...(() => {
        const init = amplifierInit(h, { layout: 'one-file-per-signal' });
        return { channelIds: init.channelIds, gains: init.gains, init };
      })(),
    });
  }
  const perChannel = amps.map((c) => path.join(dir, `amp-${c.nativeName}.dat`));
  const missing = perChannel.filter((f) => !fs.existsSync(f));
  if (missing.length === perChannel.length) {
    throw new Error(`${rhd}: header only, and neither amplifier.dat nor amp-*.dat is beside it; copy the data files into ${dir}`);
  }
  if (missing.length) throw new Error(`${missing[0]}: missing (${missing.length} of ${perChannel.length} amplifier channel files); copy all amp-*.dat files`);
  const sizes = perChannel.map((f) => fs.statSync(f).size);
  sizes.forEach((s, i) => {
    if (s !== sizes[0] || s % 2 !== 0) throw new Error(`${perChannel[i]}: ${formatBytes(s)} bytes differs from ${path.basename(perChannel[0])} (${formatBytes(sizes[0])}); the channel files must have equal length (truncated copy?)`);
  });
  const total = sizes[0] / 2;
  const chunk = 8192;
  const valid = Array.from({ length: Math.ceil(total / chunk) }, (_, i) => Math.min(chunk, total - i * chunk));
  return new RecordBlockRecording({
    layout: { files: perChannel, headerBytes: 0, recordBytes: chunk * 2, sampleOffset: 0, bigEndian: false, segments: [{ firstRecord: 0, valid }] },
    init: amplifierInit(h, { layout: 'one-file-per-channel' }),
  });
}

export function isIntan(p: string): boolean {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isDirectory()) return fs.existsSync(path.join(p, 'info.rhd'));
  return /\.(rhd|rhs)$/i.test(p);
}
