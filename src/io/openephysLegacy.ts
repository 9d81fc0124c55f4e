/**
 * Open Ephys legacy format (GUI < 0.5 default): one .continuous file per channel, a 1024-byte text header
 * of `header.key = value;` lines, then 2070-byte records {int64 LE timestamp, uint16 LE N (1024),
 * uint16 LE recording number, 1024 × big-endian int16, 10-byte marker 0..8,255}.
 * A new recording number or a timestamp jump starts a new segment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { FileByteSource, formatBytes } from './bytesource.js';
import { RecordBlockRecording, RecordBlockSegment } from './recordblocks.js';

const HEADER_BYTES = 1024;
const SAMPLES_PER_RECORD = 1024;
const RECORD_BYTES = 8 + 2 + 2 + SAMPLES_PER_RECORD * 2 + 10;
const SAMPLE_OFFSET = 12;
const MARKER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 255];

export interface ContinuousHeader {
  samplingFrequency: number;
  bitVolts: number;
  channel: string;
  raw: Record<string, string>;
}

export function parseContinuousHeader(text: string, where: string): ContinuousHeader {
  const raw: Record<string, string> = {};
  for (const m of text.matchAll(/header\.(\w+)\s*=\s*([^;]*);/g)) raw[m[1]] = m[2].trim().replace(/^'|'$/g, '');
  if (!raw.format?.includes('Open Ephys')) throw new Error(`${where}: header has no "header.format = 'Open Ephys Data Format'"; is this an Open Ephys .continuous file?`);
  const samplingFrequency = Number(raw.sampleRate);
  const bitVolts = Number(raw.bitVolts);
  if (!(samplingFrequency > 0) || !Number.isFinite(bitVolts)) throw new Error(`${where}: header.sampleRate/bitVolts missing or invalid`);
  if (raw.blockLength && Number(raw.blockLength) !== SAMPLES_PER_RECORD) {
    throw new Error(`${where}: header.blockLength ${raw.blockLength} is not supported (only 1024-sample records)`);
  }
  return { samplingFrequency, bitVolts, channel: raw.channel ?? path.basename(where), raw };
}

interface ContinuousIndex {
  segments: RecordBlockSegment[];
  startSamples: number[];
  recordingNumbers: number[];
}

function indexContinuous(file: string, reporter: Reporter): { header: ContinuousHeader; index: ContinuousIndex } {
  const src = new FileByteSource(file);
  try {
    if (src.size < HEADER_BYTES) throw new Error(`${file}: ${formatBytes(src.size)} bytes is shorter than the 1024-byte header; truncated or not a .continuous file`);
    const header = parseContinuousHeader(Buffer.from(src.read(0, HEADER_BYTES)).toString('latin1'), file);
    const body = src.size - HEADER_BYTES;
    const nRecords = Math.floor(body / RECORD_BYTES);
    if (body % RECORD_BYTES !== 0) {
      reporter.log('warn', `${file}: ${formatBytes(body)} data bytes is not a whole number of ${RECORD_BYTES}-byte records; the partial last record is ignored (file truncated?)`);
    }
    if (nRecords === 0) throw new Error(`${file}: no data records after the header`);
    const segments: RecordBlockSegment[] = [];
    const startSamples: number[] = [];
    const recordingNumbers: number[] = [];
    let expected = NaN;
    let lastRec = -1;
    const batch = 2048;
    for (let r0 = 0; r0 < nRecords; r0 += batch) {
      const n = Math.min(batch, nRecords - r0);
      const bytes = src.read(HEADER_BYTES + r0 * RECORD_BYTES, n * RECORD_BYTES);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) {
        const b = i * RECORD_BYTES;
        const ts = Number(view.getBigInt64(b, true));
        const count = view.getUint16(b + 8, true);
        const rec = view.getUint16(b + 10, true);
        const mk = b + RECORD_BYTES - 10;
        if (count > SAMPLES_PER_RECORD || MARKER.some((v, k) => bytes[mk + k] !== v)) {
          throw new Error(`${file}: record ${r0 + i} is corrupt (sample count ${count}, bad end marker); the file is damaged`);
        }
        if (!segments.length || rec !== lastRec || ts !== expected) {
          segments.push({ firstRecord: r0 + i, valid: [] });
          startSamples.push(ts);
          recordingNumbers.push(rec);
        }
        segments[segments.length - 1].valid.push(count);
        expected = ts + count;
        lastRec = rec;
      }
    }
    return { header, index: { segments, startSamples, recordingNumbers } };
  } finally {
    src.close();
  }
}

function continuousFiles(p: string): string[] {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  if (st.isFile()) return [p];
  const files = fs
    .readdirSync(p)
    .filter((f) => f.endsWith('.continuous'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => path.join(p, f));
  if (!files.length) throw new Error(`${p}: no .continuous files in this folder`);
  return files;
}

export interface OpenEphysLegacyOptions {
  reporter?: Reporter;
  /** Keep only files whose channel name or file name matches (e.g. /_CH\d+\.continuous$/ drops AUX/ADC). */
  include?: RegExp;
}

/**
 * Opens a .continuous file or a folder of them (one channel each, same timing). By default AUX and ADC
 * channels are left out of a folder, as they are not ephys.
 */
export function openOpenEphysLegacy(p: string, opts: OpenEphysLegacyOptions = {}): RecordBlockRecording {
  const reporter = opts.reporter ?? silentReporter;
  let files = continuousFiles(p);
  if (files.length > 1) {
    const include = opts.include ?? /(^|_)CH\d+(_\d+)?\.continuous$/;
    const kept = files.filter((f) => include.test(path.basename(f)));
    if (kept.length) files = kept;
  }
  const scans = files.map((f) => indexContinuous(f, reporter));
  const { header, index } = scans[0];
  scans.slice(1).forEach((s, i) => {
    const f = files[i + 1];
    if (s.header.samplingFrequency !== header.samplingFrequency) {
      throw new Error(`${f}: sampling rate ${s.header.samplingFrequency} Hz differs from ${files[0]} (${header.samplingFrequency} Hz); open it separately`);
    }
    const same =
      s.index.segments.length === index.segments.length &&
      s.index.segments.every((seg, k) => seg.firstRecord === index.segments[k].firstRecord && seg.valid.length === index.segments[k].valid.length && s.index.startSamples[k] === index.startSamples[k]);
    if (!same) throw new Error(`${f}: record timing differs from ${files[0]}; open these channels separately`);
  });
  const names = scans.map((s) => s.header.channel);
  return new RecordBlockRecording({
    layout: { files, headerBytes: HEADER_BYTES, recordBytes: RECORD_BYTES, sampleOffset: SAMPLE_OFFSET, bigEndian: true, segments: index.segments },
    init: {
      samplingFrequency: header.samplingFrequency,
      channelIds: new Set(names).size === names.length ? names : files.map((f) => path.basename(f)),
      gains: scans.map((s) => s.header.bitVolts),
      times: index.startSamples.map((s) => ({ tStart: s / header.samplingFrequency, timestamps: null })),
      annotations: { format: 'openephys-legacy', recordingNumbers: index.recordingNumbers },
    },
  });
}

export function isOpenEphysLegacy(p: string): boolean {
  try {
    return continuousFiles(p).length > 0;
  } catch {
    return false;
  }
}
