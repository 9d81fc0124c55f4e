/**
 * Neuralynx .ncs (continuous, one channel per file): a 16 kB text header ('-Key value' lines), then
 * 1044-byte records {uint64 timestamp µs, uint32 channel, uint32 fs, uint32 nValid, 512 × int16}.
 * A jump in timestamps (acquisition paused) starts a new segment; records with nValid < 512 are honoured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { FileByteSource, formatBytes } from './bytesource.js';
import { RecordBlockRecording, RecordBlockSegment } from './recordblocks.js';

export const NCS_HEADER_BYTES = 16384;
export const NCS_RECORD_BYTES = 1044;
const NCS_SAMPLES = 512;
const NCS_SAMPLE_OFFSET = 20;

export interface NcsHeader {
  samplingFrequency: number;
  /** Volts per bit. */
  adBitVolts: number;
  inputInverted: boolean;
  channelName: string;
  raw: Record<string, string>;
}

export interface NcsIndex {
  segments: RecordBlockSegment[];
  /** Timestamp (µs) of each segment's first record. */
  segmentStartUs: number[];
}

export function parseNcsHeader(text: string, where: string): NcsHeader {
  const raw: Record<string, string> = {};
  for (const line of text.replace(/\0+$/, '').split(/\r?\n/)) {
    const m = /^\s*-(\S+)\s*(.*)$/.exec(line);
    if (m) raw[m[1]] = m[2].trim().replace(/^"|"$/g, '');
  }
  const get = (k: string) => {
    const hit = Object.keys(raw).find((key) => key.toLowerCase() === k.toLowerCase());
    return hit === undefined ? undefined : raw[hit];
  };
  const fsText = get('SamplingFrequency');
  const bitVolts = get('ADBitVolts');
  if (!fsText || !bitVolts) {
    throw new Error(`${where}: header has no -SamplingFrequency/-ADBitVolts; is this a Neuralynx .ncs file?`);
  }
  return {
    samplingFrequency: Number(fsText),
    adBitVolts: Number(bitVolts.split(/\s+/)[0]),
    inputInverted: (get('InputInverted') ?? '').toLowerCase().startsWith('true'),
    channelName: get('AcqEntName') ?? get('NLX_Base_Class_Name') ?? path.basename(where).replace(/\.ncs$/i, ''),
    raw,
  };
}

export function readNcsHeader(file: string): NcsHeader {
  const src = new FileByteSource(file);
  try {
    if (src.size < NCS_HEADER_BYTES) throw new Error(`${file}: ${formatBytes(src.size)} bytes is shorter than the 16,384-byte Neuralynx header; the file is truncated or not .ncs`);
    return parseNcsHeader(Buffer.from(src.read(0, NCS_HEADER_BYTES)).toString('latin1'), file);
  } finally {
    src.close();
  }
}

/**
 * Scans record headers once: splits segments where the timestamp differs from the expected one by more
 * than one sample period (expected = previous timestamp + nValid / fs). `samplingFrequency` is the rate
 * the timestamps imply: old Cheetah versions write a rounded rate in the header (27789 Hz for a true
 * 35 µs interval), which would otherwise cut every record into its own segment.
 */
export function indexNcs(file: string, headerFs: number, reporter: Reporter = silentReporter): NcsIndex & { samplingFrequency: number } {
  const src = new FileByteSource(file);
  let ts: Float64Array;
  let valid: Uint16Array;
  try {
    const body = src.size - NCS_HEADER_BYTES;
    const nRecords = Math.floor(body / NCS_RECORD_BYTES);
    if (body % NCS_RECORD_BYTES !== 0) {
      reporter.log('warn', `${file}: ${formatBytes(body)} bytes after the header is not a whole number of 1044-byte records; the partial last record is ignored (file truncated?)`);
    }
    if (nRecords <= 0) throw new Error(`${file}: no data records after the header`);
    ts = new Float64Array(nRecords);
    valid = new Uint16Array(nRecords);
    const batch = 4096;
    for (let r0 = 0; r0 < nRecords; r0 += batch) {
      const n = Math.min(batch, nRecords - r0);
      const bytes = src.read(NCS_HEADER_BYTES + r0 * NCS_RECORD_BYTES, n * NCS_RECORD_BYTES);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) {
        const b = i * NCS_RECORD_BYTES;
        ts[r0 + i] = Number(view.getBigUint64(b, true));
        const nValid = view.getUint32(b + 16, true);
        if (nValid > NCS_SAMPLES) throw new Error(`${file}: record ${r0 + i} claims ${nValid} valid samples (max 512); the file is corrupt`);
        valid[r0 + i] = nValid;
      }
    }
  } finally {
    src.close();
  }
  const samplingFrequency = timestampRate(ts, valid, headerFs, file, reporter);
  const periodUs = 1e6 / samplingFrequency;
  const segments: RecordBlockSegment[] = [];
  const starts: number[] = [];
  let expected = NaN;
  for (let r = 0; r < ts.length; r++) {
    if (valid[r] === 0) {
      if (segments.length) segments[segments.length - 1].valid.push(0);
      continue;
    }
    if (!segments.length || Math.abs(ts[r] - expected) > periodUs) {
      segments.push({ firstRecord: r, valid: [] });
      starts.push(ts[r]);
    }
    segments[segments.length - 1].valid.push(valid[r]);
    expected = ts[r] + valid[r] * periodUs;
  }
  return { segments, segmentStartUs: starts, samplingFrequency };
}

/** The header rate, or the rate implied by the commonest full-record timestamp step when they disagree by 0.1-5 %. */
function timestampRate(ts: Float64Array, valid: Uint16Array, headerFs: number, file: string, reporter: Reporter): number {
  const counts = new Map<number, number>();
  for (let r = 1; r < ts.length && r < 10000; r++) {
    if (valid[r - 1] === NCS_SAMPLES) counts.set(ts[r] - ts[r - 1], (counts.get(ts[r] - ts[r - 1]) ?? 0) + 1);
  }
  let step = 0;
  let best = 0;
  for (const [d, c] of counts) if (c > best) [step, best] = [d, c];
  if (best < 2) return headerFs;
  const implied = (NCS_SAMPLES * 1e6) / step;
  const rel = Math.abs(implied - headerFs) / headerFs;
  if (rel > 1e-3 && rel < 0.05) {
    reporter.log('warn', `${file}: header says ${headerFs} Hz but record timestamps imply ${implied.toFixed(3)} Hz; using the timestamps`);
    return implied;
  }
  return headerFs;
}

export interface NeuralynxOptions {
  reporter?: Reporter;
}

function ncsFiles(p: string): string[] {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  if (st.isFile()) return [p];
  const files = fs.readdirSync(p).filter((f) => /\.ncs$/i.test(f)).sort(naturalCompare).map((f) => path.join(p, f));
  if (!files.length) throw new Error(`${p}: no .ncs files in this folder`);
  return files;
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Opens one .ncs file, or every .ncs file of a folder as channels (they must share rate and record
 * timing). Gains are µV per bit, negative when the header says -InputInverted True.
 */
export function openNeuralynx(p: string, opts: NeuralynxOptions = {}): RecordBlockRecording {
  const reporter = opts.reporter ?? silentReporter;
  const files = ncsFiles(p);
  const headers = files.map(readNcsHeader);
  const headerFs = headers[0].samplingFrequency;
  if (!(headerFs > 0)) throw new Error(`${files[0]}: -SamplingFrequency '${headers[0].raw.SamplingFrequency}' is not a positive number`);
  const index = indexNcs(files[0], headerFs, reporter);
  const fsHz = index.samplingFrequency;
  files.slice(1).forEach((f, i) => {
    if (headers[i + 1].samplingFrequency !== headerFs) {
      throw new Error(`${f}: sampling rate ${headers[i + 1].samplingFrequency} Hz differs from ${files[0]} (${headerFs} Hz); open files with different rates separately`);
    }
    const other = indexNcs(f, headerFs, reporter);
    const same =
      other.segments.length === index.segments.length &&
      other.segments.every((s, k) => s.firstRecord === index.segments[k].firstRecord && s.valid.length === index.segments[k].valid.length && other.segmentStartUs[k] === index.segmentStartUs[k]);
    if (!same) throw new Error(`${f}: record timing differs from ${files[0]}; open these channels separately`);
  });
  if (index.segments.length > 1) {
    reporter.log('info', `${files[0]}: ${index.segments.length} segments (recording paused ${index.segments.length - 1} times)`);
  }
  const ids = headers.map((h, i) => h.channelName || path.basename(files[i]));
  const channelIds = new Set(ids).size === ids.length ? ids : files.map((f) => path.basename(f));
  return new RecordBlockRecording({
    layout: {
      files,
      headerBytes: NCS_HEADER_BYTES,
      recordBytes: NCS_RECORD_BYTES,
      sampleOffset: NCS_SAMPLE_OFFSET,
      bigEndian: false,
      segments: index.segments,
    },
    init: {
      samplingFrequency: fsHz,
      channelIds,
      gains: headers.map((h) => h.adBitVolts * 1e6 * (h.inputInverted ? -1 : 1)),
      times: index.segmentStartUs.map((us) => ({ tStart: us / 1e6, timestamps: null })),
      annotations: { format: 'neuralynx' },
    },
  });
}

export function isNeuralynx(p: string): boolean {
  try {
    const files = ncsFiles(p);
    const fd = fs.openSync(files[0], 'r');
    const buf = Buffer.alloc(64);
    fs.readSync(fd, buf, 0, 64, 0);
    fs.closeSync(fd);
    return buf.toString('latin1').includes('Neuralynx') || /\.ncs$/i.test(files[0]);
  } catch {
    return false;
  }
}
