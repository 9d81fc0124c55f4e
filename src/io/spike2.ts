/**
 * CED Spike2 .smr files (SON filing system, 32-bit, versions 1-8).
 *
 * Layout: a 512-byte file header, one 140-byte header per channel slot, then data blocks. Each block
 * starts with 20 bytes (predecessor and successor block offsets, first and last item time in clock
 * ticks, channel number, item count) followed by the items; a channel's blocks form a linked list from
 * its firstBlock. Waveform channels are Adc (kind 1, int16: units = raw × scale / 6553.6 + offset) and
 * RealWave (kind 9, float32 in units). Sample interval in ticks is divide × timePerADC before version 6
 * and lChanDvd from version 6; a tick lasts usPerTime µs (× dTimeBase / 1e-6 from version 6).
 *
 * Waveform channels with the same interval, dtype and block times form a stream (one Recording). A
 * block that does not start one interval after the previous block's last sample starts a new segment
 * (neo's and SpikeInterface's convention: gaps split segments, nothing is zero-filled).
 */
import * as fs from 'node:fs';
import { NumericArray } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { ByteSource, FileByteSource, formatBytes } from './bytesource.js';
import { upperBound } from '../core/search.js';

const SON_FILE_HEADER_BYTES = 512;
const SON_CHANNEL_HEADER_BYTES = 140;
const SON_BLOCK_HEADER_BYTES = 20;
/** Full scale of a 16-bit Adc value in SON's scale convention (±5 V ↔ ±32768). */
const SON_ADC_SCALE_DIVISOR = 6553.6;

export const SON_KINDS: Record<number, string> = {
  1: 'adc', 2: 'eventFall', 3: 'eventRise', 4: 'eventBoth', 5: 'marker', 6: 'adcMark', 7: 'realMark', 8: 'textMark', 9: 'realWave',
};

export interface SonFileHeader {
  version: number;
  usPerTime: number;
  timePerAdc: number;
  dTimeBase: number;
  numChannelSlots: number;
  /** Last time in the file, in ticks. */
  maxFTime: number;
  /** Seconds per clock tick. */
  tickSeconds: number;
}

export interface SonChannel {
  /** 0-based slot; Spike2 shows it as channel index + 1. */
  index: number;
  kind: number;
  kindName: string;
  title: string;
  comment: string;
  units: string;
  scale: number;
  offset: number;
  /** Sample interval in ticks for waveform channels (0 otherwise). */
  intervalTicks: number;
  firstBlock: number;
  blockCount: number;
  idealRate: number;
}

export interface SonBlock {
  /** Byte offset of the block (its 20-byte header). */
  offset: number;
  startTicks: number;
  endTicks: number;
  items: number;
}

function pascal(b: Uint8Array, at: number, size: number): string {
  const n = Math.min(b[at], size - 1);
  return Buffer.from(b.subarray(at + 1, at + 1 + n)).toString('latin1').replace(/\0+$/, '').trim();
}

/** Parses the file and channel headers of a 32-bit .smr file. */
export function readSpike2Header(file: string): { header: SonFileHeader; channels: SonChannel[] } {
  if (/\.smrx$/i.test(file)) {
    throw new Error(`${file}: Spike2 64-bit .smrx files are not supported yet; save the file as .smr (32-bit) from Spike2 (File > Save As, 'Spike2 32-bit data file') and open that`);
  }
  const src = new FileByteSource(file);
  try {
    if (src.size < SON_FILE_HEADER_BYTES) throw new Error(`${file}: ${formatBytes(src.size)} bytes is less than the 512-byte Spike2 file header; the file is truncated`);
    const h = src.read(0, SON_FILE_HEADER_BYTES);
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const copyright = Buffer.from(h.subarray(2, 12)).toString('latin1');
    const version = v.getInt16(0, true);
    if (!copyright.includes('CED')) throw new Error(`${file}: no '(C) CED' mark at byte 2; this is not a Spike2 (SON) .smr file`);
    if (version < 1 || version > 8) throw new Error(`${file}: SON version ${version} is not a 32-bit .smr version (1-8); newer 64-bit files must be saved as .smr from Spike2 first`);
    const usPerTime = v.getInt16(20, true);
    const timePerAdc = v.getInt16(22, true);
    const numChannelSlots = v.getInt16(30, true);
    const maxFTime = v.getInt32(40, true);
    const dTimeBase = version >= 6 ? v.getFloat64(44, true) : 1e-6;
    const tickSeconds = usPerTime * dTimeBase;
    if (!(tickSeconds > 0) || numChannelSlots < 1) throw new Error(`${file}: header has usPerTime ${usPerTime}, ${numChannelSlots} channel slots; the header is damaged`);
    const chBytes = src.read(SON_FILE_HEADER_BYTES, numChannelSlots * SON_CHANNEL_HEADER_BYTES);
    const channels: SonChannel[] = [];
    for (let i = 0; i < numChannelSlots; i++) {
      const o = i * SON_CHANNEL_HEADER_BYTES;
      const c = new DataView(chBytes.buffer, chBytes.byteOffset + o, SON_CHANNEL_HEADER_BYTES);
      const b = chBytes.subarray(o, o + SON_CHANNEL_HEADER_BYTES);
      const kind = c.getUint8(122);
      if (kind === 0) continue;
      const wave = kind === 1 || kind === 6 || kind === 7 || kind === 9;
      const divide = c.getInt16(138, true);
      const lChanDvd = c.getInt32(102, true);
      channels.push({
        index: i,
        kind,
        kindName: SON_KINDS[kind] ?? `kind${kind}`,
        title: pascal(b, 108, 10),
        comment: pascal(b, 26, 72),
        units: wave ? pascal(b, 132, 6) : '',
        scale: wave ? c.getFloat32(124, true) : 1,
        offset: wave ? c.getFloat32(128, true) : 0,
        intervalTicks: wave ? (version < 6 ? divide * timePerAdc : lChanDvd) : 0,
        firstBlock: c.getInt32(6, true),
        blockCount: c.getInt16(18, true),
        idealRate: c.getFloat32(118, true),
      });
    }
    return { header: { version, usPerTime, timePerAdc, dTimeBase, numChannelSlots, maxFTime, tickSeconds }, channels };
  } finally {
    src.close();
  }
}

/** Follows a channel's block chain from firstBlock; errors name the file and the broken link. */
export function readSonBlocks(src: ByteSource, ch: SonChannel, itemBytes: number): SonBlock[] {
  const blocks: SonBlock[] = [];
  const maxBlocks = Math.floor(src.size / SON_BLOCK_HEADER_BYTES);
  for (let at = ch.firstBlock, prev = -1; at !== -1; ) {
    if (at < SON_FILE_HEADER_BYTES || at + SON_BLOCK_HEADER_BYTES > src.size) {
      throw new Error(`${src.name}: channel ${ch.index + 1} ('${ch.title}') links to a block at byte ${at}, outside the file (${formatBytes(src.size)} bytes); the file is truncated or damaged`);
    }
    if (blocks.length >= maxBlocks) throw new Error(`${src.name}: channel ${ch.index + 1} ('${ch.title}') block chain loops; the file is damaged`);
    const hb = src.read(at, SON_BLOCK_HEADER_BYTES);
    const hv = new DataView(hb.buffer, hb.byteOffset, SON_BLOCK_HEADER_BYTES);
    const pred = hv.getInt32(0, true);
    if (pred !== prev) throw new Error(`${src.name}: block at byte ${at} of channel ${ch.index + 1} ('${ch.title}') points back to ${pred}, not ${prev}; the block chain is damaged`);
    const items = hv.getUint16(18, true);
    if (at + SON_BLOCK_HEADER_BYTES + items * itemBytes > src.size) {
      throw new Error(`${src.name}: block at byte ${at} of channel ${ch.index + 1} ('${ch.title}') holds ${items} items past the end of the file; the file is truncated`);
    }
    blocks.push({ offset: at, startTicks: hv.getInt32(8, true), endTicks: hv.getInt32(12, true), items });
    prev = at;
    at = hv.getInt32(4, true);
  }
  return blocks;
}

/** Splits blocks into runs without gaps: a block continues the run when it starts one interval after the previous block's last sample. */
export function sonSegments(blocks: SonBlock[], intervalTicks: number): SonBlock[][] {
  const runs: SonBlock[][] = [];
  for (const b of blocks) {
    if (b.items === 0) continue;
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (last && b.startTicks === last.startTicks + last.items * intervalTicks) run.push(b);
    else runs.push([b]);
  }
  return runs;
}

export interface Spike2ChannelData {
  /** Per segment: byte offset of each block's first item, and its item count. */
  segments: { offsets: number[]; items: number[] }[];
}

export interface Spike2Args {
  file: string;
  dtype: 'int16' | 'float32';
  channels: Spike2ChannelData[];
  init: Omit<RecordingInit, 'numSamples' | 'dtype'>;
}

/** Waveform channels of one Spike2 stream; blocks are located through an index built at open time. */
export class Spike2Recording extends Recording {
  private src: ByteSource | null = null;
  /** [channel][segment]: cumulative items before each block. */
  private readonly cumulative: Float64Array[][];

  constructor(private readonly args: Spike2Args) {
    const cumulative = args.channels.map((c) =>
      c.segments.map((s) => {
        const cum = new Float64Array(s.items.length + 1);
        s.items.forEach((n, i) => (cum[i + 1] = cum[i] + n));
        return cum;
      }),
    );
    const numSamples = cumulative[0].map((c) => c[c.length - 1]);
    cumulative.forEach((perSeg, j) =>
      perSeg.forEach((c, s) => {
        if (c[c.length - 1] !== numSamples[s]) throw new Error(`${args.file}: channel ${j} has ${c[c.length - 1]} samples in segment ${s}, channel 0 has ${numSamples[s]}`);
      }),
    );
    super({ ...args.init, dtype: args.dtype, numSamples });
    this.cumulative = cumulative;
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'Spike2Recording', args: { ...this.args, init: this.baseInit() } };
  }

  static fromSpec(args: unknown): Spike2Recording {
    const a = args as Spike2Args;
    return new Spike2Recording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  close(): void {
    this.src?.close();
    this.src = null;
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const src = (this.src ??= new FileByteSource(this.args.file));
    const real = this.args.dtype === 'float32';
    const item = real ? 4 : 2;
    const nc = channels.length;
    const out = real ? new Float32Array((end - start) * nc) : new Int16Array((end - start) * nc);
    channels.forEach((ch, j) => {
      const seg = this.args.channels[ch].segments[segment];
      const cum = this.cumulative[ch][segment];
      for (let k = upperBound(cum, start) - 1; k < seg.items.length && cum[k] < end; k++) {
        const from = Math.max(start, cum[k]);
        const to = Math.min(end, cum[k + 1]);
        const bytes = src.read(seg.offsets[k] + (from - cum[k]) * item, (to - from) * item);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let t = from; t < to; t++) {
          out[(t - start) * nc + j] = real ? view.getFloat32((t - from) * 4, true) : view.getInt16((t - from) * 2, true);
        }
      }
    });
    return out;
  }
}

/** µV per unit of a channel's units string, or null when they are not a voltage. */
function microvoltsPer(units: string): number | null {
  const u = units.trim().toLowerCase();
  if (u === 'v' || u === 'volt' || u === 'volts') return 1e6;
  if (u === 'mv') return 1e3;
  if (u === 'uv' || u === 'µv' || u === 'μv') return 1;
  return null;
}

export interface Spike2StreamInfo {
  name: string;
  samplingFrequency: number;
  dtype: 'int16' | 'float32';
  channels: SonChannel[];
  /** Per channel: the gap-free block runs. */
  runs: SonBlock[][][];
}

function runsKey(runs: SonBlock[][]): string {
  return runs.map((r) => `${r[0].startTicks}:${r.reduce((a, b) => a + b.items, 0)}`).join(',');
}

/** Groups the waveform channels of a .smr file into streams (same rate, dtype and segment layout). */
export function spike2Streams(file: string): Spike2StreamInfo[] {
  const { header, channels } = readSpike2Header(file);
  const src = new FileByteSource(file);
  try {
    const groups = new Map<string, Spike2StreamInfo>();
    for (const ch of channels.filter((c) => c.kind === 1 || c.kind === 9)) {
      if (!(ch.intervalTicks > 0)) throw new Error(`${file}: waveform channel ${ch.index + 1} ('${ch.title}') has sample interval ${ch.intervalTicks} ticks; the channel header is damaged`);
      const dtype = ch.kind === 9 ? 'float32' : 'int16';
      const runs = sonSegments(readSonBlocks(src, ch, dtype === 'float32' ? 4 : 2), ch.intervalTicks);
      if (runs.length === 0) continue;
      const fsHz = 1 / (ch.intervalTicks * header.tickSeconds);
      const key = `${ch.intervalTicks}/${dtype}/${runsKey(runs)}`;
      let g = groups.get(key);
      if (!g) {
        const base = `${Number(fsHz.toPrecision(7))}Hz${dtype === 'float32' ? '-real' : ''}`;
        const taken = [...groups.values()].filter((x) => x.name.startsWith(base)).length;
        g = { name: taken ? `${base}-${taken + 1}` : base, samplingFrequency: fsHz, dtype, channels: [], runs: [] };
        groups.set(key, g);
      }
      g.channels.push(ch);
      g.runs.push(runs);
    }
    return [...groups.values()];
  } finally {
    src.close();
  }
}

/** Opens the waveform channels of one stream of a Spike2 .smr file (see spike2Streams for names). */
export function openSpike2(file: string, opts: { stream?: string } = {}): Spike2Recording {
  const streams = spike2Streams(file);
  const { header, channels: all } = readSpike2Header(file);
  if (streams.length === 0) {
    const kinds = [...new Set(all.map((c) => c.kindName))].join(', ') || 'none';
    throw new Error(`${file}: no waveform (Adc or RealWave) channels with data; this file holds only ${kinds} channels, which are not continuous recordings`);
  }
  let s = streams[0];
  if (opts.stream !== undefined) {
    const found = streams.find((x) => x.name === opts.stream);
    if (!found) throw new Error(`${file}: no stream '${opts.stream}'; streams: ${streams.map((x) => x.name).join(', ')}`);
    s = found;
  } else if (streams.length > 1) {
    throw new Error(`${file}: ${streams.length} Spike2 streams (${streams.map((x) => `${x.name}: ${x.channels.map((c) => c.title).join('/')}`).join('; ')}); choose one with --stream`);
  }
  const itemBytes = s.dtype === 'float32' ? 4 : 2;
  const gains = s.channels.map((c) => (microvoltsPer(c.units) ?? 1) * (s.dtype === 'int16' ? c.scale / SON_ADC_SCALE_DIVISOR : 1));
  const offsets = s.channels.map((c) => (s.dtype === 'int16' ? (microvoltsPer(c.units) ?? 1) * c.offset : 0));
  return new Spike2Recording({
    file,
    dtype: s.dtype,
    channels: s.runs.map((runs) => ({
      segments: runs.map((r) => ({ offsets: r.map((b) => b.offset + SON_BLOCK_HEADER_BYTES), items: r.map((b) => b.items) })),
    })),
    init: {
      samplingFrequency: s.samplingFrequency,
      channelIds: s.channels.map((c) => String(c.index + 1)),
      gains,
      offsets,
      times: s.runs[0].map((r) => ({ tStart: r[0].startTicks * header.tickSeconds, timestamps: null })),
      properties: new Map<string, unknown[]>([
        ['channel_name', s.channels.map((c) => c.title)],
        ['units', s.channels.map((c) => c.units)],
        ['comment', s.channels.map((c) => c.comment)],
      ]),
      annotations: {
        format: 'spike2',
        sonVersion: header.version,
        stream: s.name,
        // Gains are µV only for voltage units; other units (e.g. a force transducer) stay in file units.
        nonVoltageChannels: s.channels.filter((c) => microvoltsPer(c.units) === null).map((c) => c.title),
        bytesPerItem: itemBytes,
      },
    },
  });
}

export function isSpike2(p: string): boolean {
  return /\.smrx?$/i.test(p) && fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;
}
