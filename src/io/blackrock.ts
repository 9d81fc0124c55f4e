/**
 * Blackrock NSx continuous files (.ns1-.ns6).
 *  - File Spec 2.1 ('NEURALSG'): 32-byte header + channel ids, then int16 interleaved samples. No gains
 *    in the file: Blackrock's NPMK uses ±5 V over ±32767 for analog inputs (ids > 128) and 0.25 µV/bit
 *    for front-end electrodes; we do the same.
 *  - File Spec 2.2/2.3/3.0 ('NEURALCD'): 314-byte basic header, 66-byte extended header per channel
 *    (gain from min/max digital and analog values), then data packets {0x01, timestamp (uint32, uint64
 *    in 3.0), number of samples, int16 data}. Each packet is one segment.
 */
import * as fs from 'node:fs';
import { Recording } from '../core/recording.js';
import { AppendSegmentsRecording } from '../core/recordingtools.js';
import { BinaryRecording } from './binary.js';
import { FileByteSource, formatBytes } from './bytesource.js';

export interface NsxChannel {
  id: number;
  label: string;
  /** µV per bit. */
  gain: number;
  units: string;
}

export interface NsxHeader {
  fileSpec: string;
  label: string;
  samplingFrequency: number;
  timestampResolution: number;
  channels: NsxChannel[];
  headerBytes: number;
  /** Byte offset of each packet's samples and its sample count (one packet for 2.1). */
  packets: { dataOffset: number; numSamples: number; timestamp: number }[];
}

const MAIN_CLOCK = 30000;

function ascii(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end >= 0 ? b.subarray(0, end) : b).toString('latin1').trim();
}

function unitScale(units: string, where: string): number {
  const u = units.trim();
  if (u === 'uV' || u === 'µV') return 1;
  if (u === 'mV') return 1e3;
  if (u === 'V') return 1e6;
  if (u === 'nV') return 1e-3;
  throw new Error(`${where}: unknown analog units '${units}' in an extended header (expected uV, mV or V)`);
}

export function readNsxHeader(file: string): NsxHeader {
  const src = new FileByteSource(file);
  try {
    if (src.size < 32) throw new Error(`${file}: ${src.size} bytes is too short for a Blackrock NSx header`);
    const head = src.read(0, Math.min(src.size, 314));
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const magic = ascii(head.subarray(0, 8));
    if (magic === 'NEURALSG') {
      const period = view.getUint32(24, true);
      const count = view.getUint32(28, true);
      const headerBytes = 32 + 4 * count;
      const idBytes = src.read(32, 4 * count);
      const ids = Array.from({ length: count }, (_, i) => new DataView(idBytes.buffer, idBytes.byteOffset).getUint32(4 * i, true));
      const data = src.size - headerBytes;
      const frame = 2 * count;
      if (data % frame !== 0) throw new Error(`${file}: ${formatBytes(data)} data bytes is not a multiple of ${count} channels × 2 bytes; the file is truncated`);
      return {
        fileSpec: '2.1',
        label: ascii(head.subarray(8, 24)),
        samplingFrequency: MAIN_CLOCK / period,
        timestampResolution: MAIN_CLOCK,
        channels: ids.map((id) => ({ id, label: String(id), units: 'uV', gain: id > 128 ? 10e6 / 65534 : 0.25 })),
        headerBytes,
        packets: [{ dataOffset: headerBytes, numSamples: data / frame, timestamp: 0 }],
      };
    }
    if (magic !== 'NEURALCD') throw new Error(`${file}: starts with '${magic}', not NEURALSG/NEURALCD; is this a Blackrock .nsX file? (.nev files hold spikes, not continuous data)`);
    const fileSpec = `${head[8]}.${head[9]}`;
    const headerBytes = view.getUint32(10, true);
    const label = ascii(head.subarray(14, 30));
    const period = view.getUint32(286, true);
    const resolution = view.getUint32(290, true);
    const count = view.getUint32(310, true);
    if (headerBytes !== 314 + 66 * count) throw new Error(`${file}: header size ${headerBytes} does not match ${count} channels (expected ${314 + 66 * count}); the file is damaged`);
    const ext = src.read(314, 66 * count);
    const ev = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
    const channels: NsxChannel[] = Array.from({ length: count }, (_, i) => {
      const b = 66 * i;
      const minD = ev.getInt16(b + 22, true);
      const maxD = ev.getInt16(b + 24, true);
      const minA = ev.getInt16(b + 26, true);
      const maxA = ev.getInt16(b + 28, true);
      const units = ascii(ext.subarray(b + 30, b + 46));
      if (maxD === minD) throw new Error(`${file}: channel ${i} has equal min and max digital values; cannot compute its gain`);
      return { id: ev.getUint16(b + 2, true), label: ascii(ext.subarray(b + 4, b + 20)), units, gain: ((maxA - minA) / (maxD - minD)) * unitScale(units, file) };
    });
    const tsBytes = fileSpec.startsWith('3') ? 8 : 4;
    const packets: NsxHeader['packets'] = [];
    let pos = headerBytes;
    while (pos < src.size) {
      const ph = src.read(pos, Math.min(1 + tsBytes + 4, src.size - pos));
      if (ph.length < 1 + tsBytes + 4 || ph[0] !== 1) throw new Error(`${file}: bad data packet header at byte ${formatBytes(pos)}; the file is truncated or damaged`);
      const pv = new DataView(ph.buffer, ph.byteOffset, ph.byteLength);
      const timestamp = tsBytes === 8 ? Number(pv.getBigUint64(1, true)) : pv.getUint32(1, true);
      const n = pv.getUint32(1 + tsBytes, true);
      const dataOffset = pos + 1 + tsBytes + 4;
      const available = Math.floor((src.size - dataOffset) / (2 * count));
      if (n > available) throw new Error(`${file}: packet at byte ${formatBytes(pos)} declares ${n} samples but only ${available} are in the file (truncated)`);
      if (n > 0) packets.push({ dataOffset, numSamples: n, timestamp });
      pos = dataOffset + n * 2 * count;
    }
    return { fileSpec, label, samplingFrequency: MAIN_CLOCK / period, timestampResolution: resolution, channels, headerBytes, packets };
  } finally {
    src.close();
  }
}

/** Opens a Blackrock .nsX file; each data packet (pause in recording) is a segment. */
export function openBlackrock(file: string): Recording {
  if (!fs.existsSync(file)) throw new Error(`${file}: not found`);
  if (/\.nev$/i.test(file)) throw new Error(`${file}: .nev files hold spike events, not continuous data; open the matching .ns5/.ns6 (or .ns2 ...) file`);
  const h = readNsxHeader(file);
  if (!h.packets.length) throw new Error(`${file}: no data packets`);
  const ids = h.channels.map((c) => c.label || String(c.id));
  const channelIds = new Set(ids).size === ids.length ? ids : h.channels.map((c) => String(c.id));
  const size = fs.statSync(file).size;
  const parts = h.packets.map(
    (p) =>
      new BinaryRecording({
        files: [file],
        samplingFrequency: h.samplingFrequency,
        numChannelsInFile: h.channels.length,
        dtype: 'int16',
        byteOffset: p.dataOffset,
        byteTrailer: size - p.dataOffset - p.numSamples * 2 * h.channels.length,
        numSamples: [p.numSamples],
        channelIds,
        gains: h.channels.map((c) => c.gain),
        init: {
          times: [{ tStart: p.timestamp / h.timestampResolution, timestamps: null }],
          annotations: { format: 'blackrock', fileSpec: h.fileSpec, label: h.label, electrodeIds: h.channels.map((c) => c.id) },
        },
      }),
  );
  return parts.length === 1 ? parts[0] : new AppendSegmentsRecording(parts);
}

export function isBlackrock(p: string): boolean {
  return /\.ns[1-6]$/i.test(p);
}
