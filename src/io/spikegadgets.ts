/**
 * SpikeGadgets Trodes .rec files: an XML <Configuration> header, a line break, then fixed-size packets.
 *
 * Each packet is: one sync byte (0x55), the bytes of every <Device> of <HardwareConfiguration> in
 * document order (numBytes each: digital I/O, headstage sensors, ...), a uint32 timestamp, then
 * numChannels int16 samples in hardware order. A <SpikeChannel hwChan="k"> of an nTrode is sample k of
 * that block. µV per bit comes from the nTrode's spikeScalingToUv (0.195, the Intan step, when absent).
 */
import * as fs from 'node:fs';
import { NumericArray } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { ByteSource, FileByteSource, formatBytes } from './bytesource.js';

const SYNC_BYTE = 0x55;
const DEFAULT_UV_PER_BIT = 0.195;

export interface SpikeGadgetsChannel {
  ntrode: string;
  hwChan: number;
  uvPerBit: number;
}

export interface SpikeGadgetsHeader {
  samplingFrequency: number;
  numChannels: number;
  /** Byte where the first packet starts. */
  headerBytes: number;
  /** Bytes per packet (sync + devices + timestamp + samples). */
  packetBytes: number;
  /** Offset of the uint32 timestamp inside a packet. */
  timestampOffset: number;
  devices: { name: string; numBytes: number }[];
  /** Spike channels in nTrode order. */
  channels: SpikeGadgetsChannel[];
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

/** Parses the XML configuration (given as text up to and including </Configuration>) into a packet layout. */
export function parseSpikeGadgetsConfig(xml: string, headerBytes: number, where: string): SpikeGadgetsHeader {
  const noComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const hw = /<HardwareConfiguration\b([^>]*)>([\s\S]*?)<\/HardwareConfiguration>/.exec(noComments);
  if (!hw) throw new Error(`${where}: no <HardwareConfiguration> in the XML header; the file is not a Trodes .rec or its header is damaged`);
  const hwAttrs = attrs(hw[1]);
  const samplingFrequency = Number(hwAttrs.samplingRate);
  const numChannels = Number(hwAttrs.numChannels);
  if (!(samplingFrequency > 0) || !Number.isInteger(numChannels) || numChannels < 0) {
    throw new Error(`${where}: <HardwareConfiguration> has samplingRate="${hwAttrs.samplingRate}" numChannels="${hwAttrs.numChannels}"; both must be positive numbers`);
  }
  const devices = [...hw[2].matchAll(/<Device\b([^>]*)>/g)].map((m) => {
    const a = attrs(m[1]);
    const numBytes = Number(a.numBytes);
    if (!Number.isInteger(numBytes) || numBytes < 0) throw new Error(`${where}: <Device name="${a.name}"> has numBytes="${a.numBytes}", not a byte count`);
    return { name: a.name ?? '?', numBytes };
  });
  const timestampOffset = 1 + devices.reduce((s, d) => s + d.numBytes, 0);
  const channels: SpikeGadgetsChannel[] = [];
  let ntrode = '';
  let scale = DEFAULT_UV_PER_BIT;
  const spikeConf = /<SpikeConfiguration\b[^>]*>([\s\S]*?)<\/SpikeConfiguration>/.exec(noComments)?.[1] ?? '';
  for (const m of spikeConf.matchAll(/<(SpikeNTrode|SpikeChannel)\b([^>]*)>/g)) {
    const a = attrs(m[2]);
    if (m[1] === 'SpikeNTrode') {
      ntrode = a.id ?? String(channels.length);
      scale = a.spikeScalingToUv !== undefined ? Number(a.spikeScalingToUv) : DEFAULT_UV_PER_BIT;
      continue;
    }
    const hwChan = Number(a.hwChan);
    if (!Number.isInteger(hwChan) || hwChan < 0 || hwChan >= numChannels) {
      throw new Error(`${where}: nTrode ${ntrode} has hwChan="${a.hwChan}", outside 0..${numChannels - 1}; the header is damaged`);
    }
    channels.push({ ntrode, hwChan, uvPerBit: scale });
  }
  return { samplingFrequency, numChannels, headerBytes, packetBytes: timestampOffset + 4 + 2 * numChannels, timestampOffset, devices, channels };
}

/** Reads the XML header of a .rec file and derives the packet layout. */
export function readSpikeGadgetsHeader(file: string): SpikeGadgetsHeader {
  const src = new FileByteSource(file);
  try {
    const buf = src.read(0, Math.min(src.size, 4 << 20));
    const text = Buffer.from(buf).toString('latin1');
    const endTag = '</Configuration>';
    const end = text.indexOf(endTag);
    if (end < 0) throw new Error(`${file}: no </Configuration> in the first ${formatBytes(buf.length)} bytes; is this a SpikeGadgets .rec file?`);
    let headerBytes = end + endTag.length;
    // The header ends with a line break (\n or \r\n) before the first packet.
    if (text[headerBytes] === '\r') headerBytes++;
    if (text[headerBytes] === '\n') headerBytes++;
    return parseSpikeGadgetsConfig(text.slice(0, headerBytes), headerBytes, file);
  } finally {
    src.close();
  }
}

export interface SpikeGadgetsArgs {
  file: string;
  headerBytes: number;
  packetBytes: number;
  timestampOffset: number;
  numPackets: number;
  /** hwChan of each recording channel. */
  hwChans: number[];
  init: Omit<RecordingInit, 'numSamples' | 'dtype'>;
}

/** The int16 spike channels of a .rec file, one packet per sample. */
export class SpikeGadgetsRecording extends Recording {
  private src: ByteSource | null = null;

  constructor(private readonly args: SpikeGadgetsArgs) {
    super({ ...args.init, dtype: 'int16', numSamples: [args.numPackets] });
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'SpikeGadgetsRecording', args: { ...this.args, init: this.baseInit() } };
  }

  static fromSpec(args: unknown): SpikeGadgetsRecording {
    const a = args as SpikeGadgetsArgs;
    return new SpikeGadgetsRecording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  close(): void {
    this.src?.close();
    this.src = null;
  }

  private packets(start: number, end: number): DataView {
    const src = (this.src ??= new FileByteSource(this.args.file));
    const bytes = src.read(this.args.headerBytes + start * this.args.packetBytes, (end - start) * this.args.packetBytes);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Trodes' uint32 hardware timestamps of packets [start, end) (jumps reveal dropped packets). */
  packetTimestamps(start = 0, end = this.getNumSamples()): Float64Array {
    const out = new Float64Array(Math.max(0, end - start));
    if (!out.length) return out;
    const view = this.packets(start, end);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * this.args.packetBytes + this.args.timestampOffset, true);
    return out;
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const { packetBytes, timestampOffset, hwChans } = this.args;
    const nc = channels.length;
    const out = new Int16Array((end - start) * nc);
    if (end <= start) return out;
    const view = this.packets(start, end);
    const at = Int32Array.from(channels, (c) => timestampOffset + 4 + hwChans[c] * 2);
    for (let t = 0; t < end - start; t++) {
      const base = t * packetBytes;
      if (view.getUint8(base) !== SYNC_BYTE) {
        throw new Error(`${this.args.file}: packet ${start + t} does not start with the 0x55 sync byte; the file is damaged or the header's device list does not match the data`);
      }
      for (let j = 0; j < nc; j++) out[t * nc + j] = view.getInt16(base + at[j], true);
    }
    return out;
  }
}

/** Opens the spike channels of a .rec file; a file with only a header opens with 0 samples. */
export function openSpikeGadgets(file: string, opts: { reporter?: Reporter } = {}): SpikeGadgetsRecording {
  const reporter = opts.reporter ?? silentReporter;
  const h = readSpikeGadgetsHeader(file);
  const size = fs.statSync(file).size;
  const dataBytes = size - h.headerBytes;
  const numPackets = Math.floor(dataBytes / h.packetBytes);
  if (dataBytes % h.packetBytes !== 0) {
    reporter.log('warn', `${file}: ${formatBytes(dataBytes)} data bytes is not a whole number of ${h.packetBytes}-byte packets; the partial last packet is ignored (file truncated?)`);
  }
  if (numPackets > 0) {
    const src = new FileByteSource(file);
    try {
      for (const p of [0, numPackets - 1]) {
        if (src.read(h.headerBytes + p * h.packetBytes, 1)[0] !== SYNC_BYTE) {
          throw new Error(`${file}: packet ${p} does not start with the 0x55 sync byte; the ${h.packetBytes}-byte packet size from the header (devices ${h.devices.map((d) => `${d.name}:${d.numBytes}`).join(', ')}) does not match the data`);
        }
      }
    } finally {
      src.close();
    }
  }
  const channels = h.channels.length
    ? h.channels
    : Array.from({ length: h.numChannels }, (_, k) => ({ ntrode: '', hwChan: k, uvPerBit: DEFAULT_UV_PER_BIT }));
  if (!channels.length) throw new Error(`${file}: the header declares no neural channels (numChannels="0")`);
  return new SpikeGadgetsRecording({
    file,
    headerBytes: h.headerBytes,
    packetBytes: h.packetBytes,
    timestampOffset: h.timestampOffset,
    numPackets,
    hwChans: channels.map((c) => c.hwChan),
    init: {
      samplingFrequency: h.samplingFrequency,
      channelIds: channels.map((c, k) => (c.ntrode ? `${c.ntrode}-${c.hwChan}` : String(k))),
      gains: channels.map((c) => c.uvPerBit),
      properties: new Map<string, unknown[]>([
        ['ntrode', channels.map((c) => c.ntrode)],
        ['hw_chan', channels.map((c) => c.hwChan)],
      ]),
      annotations: { format: 'spikegadgets', packetBytes: h.packetBytes, devices: h.devices },
    },
  });
}

export function isSpikeGadgets(p: string): boolean {
  return /\.rec$/i.test(p) && fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;
}
