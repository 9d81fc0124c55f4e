/**
 * Plexon .plx files: a 7504-byte file header ('PLEX' magic, timestamp clock ADFrequency, counts), then
 * 1020-byte DSP (spike) channel headers, 296-byte event channel headers, 296-byte slow (continuous)
 * channel headers, then data blocks. Each block has a 16-byte header (type 1 spike / 4 event /
 * 5 continuous, a 40-bit timestamp in ADFrequency ticks, channel, unit, waveform count and length)
 * followed by int16 words.
 *
 * Spikes (with their waveforms) are read by readPlexonSpikes() into a Sorting plus one Snippets per
 * DSP channel; continuous channels become a Recording (openPlexon), one stream per sampling rate,
 * a timestamp jump between blocks starting a new segment.
 */
import * as fs from 'node:fs';
import { Snippets } from '../core/snippets.js';
import { Sorting } from '../core/sorting.js';
import { FileByteSource, formatBytes } from './bytesource.js';
import { Spike2Recording } from './spike2.js';

const PLX_MAGIC = 0x58454c50;
const PLX_FILE_HEADER_BYTES = 7504;
const PLX_DSP_HEADER_BYTES = 1020;
const PLX_EVENT_HEADER_BYTES = 296;
const PLX_SLOW_HEADER_BYTES = 296;
const PLX_BLOCK_HEADER_BYTES = 16;

export interface PlexonFileHeader {
  version: number;
  comment: string;
  /** Timestamp clock (Hz). */
  adFrequency: number;
  numDspChannels: number;
  numEventChannels: number;
  numSlowChannels: number;
  pointsPerWave: number;
  pointsPreThreshold: number;
  date: string;
  waveformFrequency: number;
  lastTimestamp: number;
  bitsPerSpikeSample: number;
  bitsPerSlowSample: number;
  spikeMaxMagnitudeMv: number;
  slowMaxMagnitudeMv: number;
  spikePreAmpGain: number;
  /** Spike counts from the header: tsCounts[channel][unit] for channels 0..129, units 0..4. */
  tsCounts: number[][];
}

export interface PlexonDspChannel {
  name: string;
  /** DSP channel number used in data blocks (1-based). */
  channel: number;
  gain: number;
  threshold: number;
  numUnits: number;
}

export interface PlexonSlowChannel {
  name: string;
  /** Channel number used in data blocks (0-based). */
  channel: number;
  samplingFrequency: number;
  gain: number;
  preAmpGain: number;
  enabled: boolean;
}

export interface PlexonHeader {
  file: PlexonFileHeader;
  dsp: PlexonDspChannel[];
  events: { name: string; channel: number }[];
  slow: PlexonSlowChannel[];
  /** Byte offset of the first data block. */
  dataStart: number;
}

function cstr(b: Uint8Array, at: number, size: number): string {
  const s = b.subarray(at, at + size);
  const end = s.indexOf(0);
  return Buffer.from(end < 0 ? s : s.subarray(0, end)).toString('latin1').trim();
}

/** Parses all headers of a .plx file (no data blocks). */
export function readPlexonHeader(file: string): PlexonHeader {
  const src = new FileByteSource(file);
  try {
    if (src.size < PLX_FILE_HEADER_BYTES) throw new Error(`${file}: ${formatBytes(src.size)} bytes is less than the ${PLX_FILE_HEADER_BYTES}-byte Plexon file header; the file is truncated`);
    const b = src.read(0, PLX_FILE_HEADER_BYTES);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (v.getUint32(0, true) !== PLX_MAGIC) throw new Error(`${file}: no 'PLEX' magic at byte 0; this is not a Plexon .plx file (.pl2 files are not supported: export them to .plx or NWB)`);
    const version = v.getInt32(4, true);
    const i32 = (o: number) => v.getInt32(o, true);
    const [numDsp, numEvent, numSlow] = [i32(140), i32(144), i32(148)];
    if (numDsp < 0 || numEvent < 0 || numSlow < 0 || numDsp + numEvent + numSlow > 100000) {
      throw new Error(`${file}: header counts ${numDsp} spike / ${numEvent} event / ${numSlow} slow channels are not plausible; the header is damaged`);
    }
    const tsCounts = Array.from({ length: 130 }, (_, c) => Array.from({ length: 5 }, (_, u) => i32(256 + (c * 5 + u) * 4)));
    const pad = (n: number) => String(n).padStart(2, '0');
    const fileHeader: PlexonFileHeader = {
      version,
      comment: cstr(b, 8, 128),
      adFrequency: i32(136),
      numDspChannels: numDsp,
      numEventChannels: numEvent,
      numSlowChannels: numSlow,
      pointsPerWave: i32(152),
      pointsPreThreshold: i32(156),
      date: `${i32(160)}-${pad(i32(164))}-${pad(i32(168))} ${pad(i32(172))}:${pad(i32(176))}:${pad(i32(180))}`,
      waveformFrequency: i32(188),
      lastTimestamp: v.getFloat64(192, true),
      bitsPerSpikeSample: version >= 103 ? v.getUint8(202) : 12,
      bitsPerSlowSample: version >= 103 ? v.getUint8(203) : 12,
      spikeMaxMagnitudeMv: version >= 103 ? v.getUint16(204, true) : 3000,
      slowMaxMagnitudeMv: version >= 103 ? v.getUint16(206, true) : 5000,
      spikePreAmpGain: version >= 105 ? v.getUint16(208, true) : 1000,
      tsCounts,
    };
    if (!(fileHeader.adFrequency > 0)) throw new Error(`${file}: timestamp frequency ${fileHeader.adFrequency} Hz is not positive; the header is damaged`);
    const dataStart = PLX_FILE_HEADER_BYTES + numDsp * PLX_DSP_HEADER_BYTES + numEvent * PLX_EVENT_HEADER_BYTES + numSlow * PLX_SLOW_HEADER_BYTES;
    if (dataStart > src.size) throw new Error(`${file}: channel headers end at byte ${dataStart}, past the end of the file (${formatBytes(src.size)} bytes); the file is truncated`);
    const hb = src.read(PLX_FILE_HEADER_BYTES, dataStart - PLX_FILE_HEADER_BYTES);
    const hv = new DataView(hb.buffer, hb.byteOffset, hb.byteLength);
    const dsp = Array.from({ length: numDsp }, (_, i) => {
      const o = i * PLX_DSP_HEADER_BYTES;
      return { name: cstr(hb, o, 32), channel: hv.getInt32(o + 64, true), gain: hv.getInt32(o + 80, true), threshold: hv.getInt32(o + 88, true), numUnits: hv.getInt32(o + 96, true) };
    });
    const evBase = numDsp * PLX_DSP_HEADER_BYTES;
    const events = Array.from({ length: numEvent }, (_, i) => ({ name: cstr(hb, evBase + i * PLX_EVENT_HEADER_BYTES, 32), channel: hv.getInt32(evBase + i * PLX_EVENT_HEADER_BYTES + 32, true) }));
    const slowBase = evBase + numEvent * PLX_EVENT_HEADER_BYTES;
    const slow = Array.from({ length: numSlow }, (_, i) => {
      const o = slowBase + i * PLX_SLOW_HEADER_BYTES;
      return {
        name: cstr(hb, o, 32),
        channel: hv.getInt32(o + 32, true),
        samplingFrequency: hv.getInt32(o + 36, true),
        gain: hv.getInt32(o + 40, true),
        enabled: hv.getInt32(o + 44, true) !== 0,
        preAmpGain: hv.getInt32(o + 48, true),
      };
    });
    return { file: fileHeader, dsp, events, slow, dataStart };
  } finally {
    src.close();
  }
}

/** µV per bit of spike waveforms (Plexon's formulas by file version). */
export function plexonSpikeUvPerBit(h: PlexonFileHeader, dspGain: number): number {
  if (h.version < 103) return (3000 / (2048 * dspGain * 1000)) * 1000;
  if (h.version < 105) return (h.spikeMaxMagnitudeMv / (0.5 * 2 ** h.bitsPerSpikeSample * dspGain * 1000)) * 1000;
  return (h.spikeMaxMagnitudeMv / (0.5 * 2 ** h.bitsPerSpikeSample * dspGain * h.spikePreAmpGain)) * 1000;
}

/** µV per bit of continuous (slow) channels. */
export function plexonSlowUvPerBit(h: PlexonFileHeader, ch: PlexonSlowChannel): number {
  if (h.version < 102) return (5000 / (2048 * ch.gain * 1000)) * 1000;
  if (h.version < 103) return (5000 / (2048 * ch.gain * ch.preAmpGain)) * 1000;
  return (h.slowMaxMagnitudeMv / (0.5 * 2 ** h.bitsPerSlowSample * ch.gain * ch.preAmpGain)) * 1000;
}

export interface PlexonBlock {
  type: number;
  timestamp: number;
  channel: number;
  unit: number;
  /** Byte offset of the block's int16 words, and their count (waveforms × words per waveform). */
  dataOffset: number;
  words: number;
}

/** Scans all data blocks (headers only) in chunks; the last block may not run past the end of the file. */
export function scanPlexonBlocks(file: string, dataStart: number): PlexonBlock[] {
  const src = new FileByteSource(file);
  try {
    const blocks: PlexonBlock[] = [];
    const chunk = 1 << 20;
    let bufStart = dataStart;
    let buf = src.read(bufStart, Math.min(chunk, src.size - bufStart));
    for (let at = dataStart; at < src.size; ) {
      if (at + PLX_BLOCK_HEADER_BYTES > bufStart + buf.length) {
        if (at + PLX_BLOCK_HEADER_BYTES > src.size) throw new Error(`${file}: a block header at byte ${at} is cut off by the end of the file; the file is truncated`);
        bufStart = at;
        buf = src.read(at, Math.min(chunk, src.size - at));
      }
      const v = new DataView(buf.buffer, buf.byteOffset + (at - bufStart), PLX_BLOCK_HEADER_BYTES);
      const type = v.getInt16(0, true);
      if (type !== 1 && type !== 4 && type !== 5) throw new Error(`${file}: block at byte ${at} has type ${type} (expected 1 spike, 4 event or 5 continuous); the file is damaged`);
      const nWaves = v.getInt16(12, true);
      const nWords = v.getInt16(14, true);
      const words = Math.max(0, nWaves) * Math.max(0, nWords);
      const dataOffset = at + PLX_BLOCK_HEADER_BYTES;
      if (dataOffset + words * 2 > src.size) throw new Error(`${file}: block at byte ${at} holds ${words} samples past the end of the file; the file is truncated`);
      blocks.push({ type, timestamp: v.getUint16(2, true) * 2 ** 32 + v.getUint32(4, true), channel: v.getInt16(8, true), unit: v.getInt16(10, true), dataOffset, words });
      at = dataOffset + words * 2;
    }
    return blocks;
  } finally {
    src.close();
  }
}

export interface PlexonSpikes {
  header: PlexonHeader;
  /** Spike times in ADFrequency ticks; unit ids '<channel name>#<unit>' (unit 0 = unsorted). */
  sorting: Sorting;
  /** Per DSP channel name: its spikes' waveforms in µV (frames in ADFrequency ticks, rate WaveformFreq). */
  waveforms: Map<string, Snippets>;
}

/** Reads every spike (timestamp, channel, unit, waveform) of a .plx file. */
export function readPlexonSpikes(file: string): PlexonSpikes {
  const header = readPlexonHeader(file);
  const blocks = scanPlexonBlocks(file, header.dataStart).filter((b) => b.type === 1);
  const byChannel = new Map(header.dsp.map((d) => [d.channel, d]));
  const unitIds: string[] = [];
  const unitIndex = new Map<string, number>();
  const sample = new Float64Array(blocks.length);
  const unit = new Int32Array(blocks.length);
  blocks.forEach((b, i) => {
    const dsp = byChannel.get(b.channel);
    if (!dsp) throw new Error(`${file}: spike block at byte ${b.dataOffset - PLX_BLOCK_HEADER_BYTES} names DSP channel ${b.channel}, which has no channel header; the file is damaged`);
    const id = `${dsp.name}#${b.unit}`;
    if (!unitIndex.has(id)) unitIndex.set(id, unitIds.push(id) - 1);
    sample[i] = b.timestamp;
    unit[i] = unitIndex.get(id)!;
  });
  // Sorted unit ids (channel order, then unit) make the output independent of spike order.
  const order = unitIds.map((id, i) => ({ id, i, ch: header.dsp.findIndex((d) => id.startsWith(`${d.name}#`)), u: Number(id.split('#').pop()) }));
  order.sort((a, b) => a.ch - b.ch || a.u - b.u);
  const remap = new Int32Array(unitIds.length);
  order.forEach((o, k) => (remap[o.i] = k));
  const sorting = new Sorting(
    { sample, unit: unit.map((u) => remap[u]), segment: new Int32Array(blocks.length) },
    {
      samplingFrequency: header.file.adFrequency,
      unitIds: order.map((o) => o.id),
      properties: new Map<string, unknown[]>([
        ['channel_name', order.map((o) => header.dsp[o.ch].name)],
        ['plexon_unit', order.map((o) => o.u)],
      ]),
      annotations: { format: 'plexon', plxVersion: header.file.version },
    },
  );
  const src = new FileByteSource(file);
  const waveforms = new Map<string, Snippets>();
  try {
    const ns = header.file.pointsPerWave;
    for (const dsp of header.dsp) {
      const mine = blocks.filter((b) => b.channel === dsp.channel && b.words > 0);
      if (!mine.length || ns < 1) continue;
      const gain = plexonSpikeUvPerBit(header.file, dsp.gain);
      const data = new Float32Array(mine.length * ns);
      mine.forEach((b, i) => {
        if (b.words !== ns) throw new Error(`${file}: spike block at byte ${b.dataOffset - PLX_BLOCK_HEADER_BYTES} has ${b.words} waveform points, the header says ${ns}; the file is damaged`);
        const bytes = src.read(b.dataOffset, ns * 2);
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let k = 0; k < ns; k++) data[i * ns + k] = v.getInt16(k * 2, true) * gain;
      });
      waveforms.set(
        dsp.name,
        new Snippets({
          data,
          frames: mine.map((b) => b.timestamp),
          nBefore: Math.min(Math.max(header.file.pointsPreThreshold, 0), ns - 1),
          numSamples: ns,
          channelIds: [dsp.name],
          samplingFrequency: header.file.waveformFrequency > 0 ? header.file.waveformFrequency : header.file.adFrequency,
        }),
      );
    }
  } finally {
    src.close();
  }
  return { header, sorting, waveforms };
}

/** Continuous (slow) channels of a .plx file with data, grouped by sampling rate. */
export function plexonStreams(file: string): { name: string; samplingFrequency: number; channels: PlexonSlowChannel[] }[] {
  const h = readPlexonHeader(file);
  const rates = [...new Set(h.slow.map((s) => s.samplingFrequency))];
  return rates.map((r) => ({ name: `${r}Hz`, samplingFrequency: r, channels: h.slow.filter((s) => s.samplingFrequency === r) }));
}

/**
 * Opens the continuous channels of one stream as a Recording. A block whose timestamp is not the
 * previous block's end starts a new segment; every channel must share the block layout.
 */
export function openPlexon(file: string, opts: { stream?: string } = {}): Spike2Recording {
  const header = readPlexonHeader(file);
  const blocks = scanPlexonBlocks(file, header.dataStart).filter((b) => b.type === 5 && b.words > 0);
  if (!blocks.length) {
    throw new Error(`${file}: this .plx has no continuous channels (${header.dsp.length} spike channels with waveforms only); read its spikes with readPlexonSpikes() or export wideband data from the acquisition system`);
  }
  const withData = new Set(blocks.map((b) => b.channel));
  const rates = [...new Set(header.slow.filter((s) => withData.has(s.channel)).map((s) => s.samplingFrequency))];
  const names = rates.map((r) => `${r}Hz`);
  let rate = rates[0];
  if (opts.stream !== undefined) {
    const k = names.indexOf(opts.stream);
    if (k < 0) throw new Error(`${file}: no stream '${opts.stream}'; streams: ${names.join(', ')}`);
    rate = rates[k];
  } else if (rates.length > 1) throw new Error(`${file}: continuous channels at ${names.join(', ')}; choose one with --stream`);
  const chans = header.slow.filter((s) => s.samplingFrequency === rate && withData.has(s.channel));
  const ticksPerSample = header.file.adFrequency / rate;
  const perChannel = chans.map((ch) => {
    const segs: { offsets: number[]; items: number[]; t0: number }[] = [];
    let next = NaN;
    for (const b of blocks.filter((x) => x.channel === ch.channel)) {
      if (!segs.length || Math.abs(b.timestamp - next) > ticksPerSample / 2) segs.push({ offsets: [], items: [], t0: b.timestamp });
      const s = segs[segs.length - 1];
      s.offsets.push(b.dataOffset);
      s.items.push(b.words);
      next = b.timestamp + b.words * ticksPerSample;
    }
    return segs;
  });
  const layout = (segs: { items: number[]; t0: number }[]) => segs.map((s) => `${s.t0}:${s.items.reduce((a, b) => a + b, 0)}`).join(',');
  perChannel.forEach((segs, j) => {
    if (layout(segs) !== layout(perChannel[0])) {
      throw new Error(`${file}: continuous channel '${chans[j].name}' has different gaps than '${chans[0].name}'; open it on its own (not supported yet) or export the channels from Plexon`);
    }
  });
  return new Spike2Recording({
    file,
    dtype: 'int16',
    channels: perChannel.map((segs) => ({ segments: segs.map(({ offsets, items }) => ({ offsets, items })) })),
    init: {
      samplingFrequency: rate,
      channelIds: chans.map((c) => c.name || String(c.channel)),
      gains: chans.map((c) => plexonSlowUvPerBit(header.file, c)),
      times: perChannel[0].map((s) => ({ tStart: s.t0 / header.file.adFrequency, timestamps: null })),
      annotations: { format: 'plexon', plxVersion: header.file.version },
    },
  });
}

export function isPlexon(p: string): boolean {
  if (!/\.plx$/i.test(p) || !fs.statSync(p, { throwIfNoEntry: false })?.isFile()) return false;
  const fd = fs.openSync(p, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.readUInt32LE(0) === PLX_MAGIC;
  } finally {
    fs.closeSync(fd);
  }
}
