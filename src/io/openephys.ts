/**
 * Open Ephys binary format (GUI >= 0.4.4): [Record Node N/]experimentE/recordingR/structure.oebin (JSON)
 * describing continuous/<stream>/continuous.dat (int16 interleaved) with sample_numbers.npy (0.6+) or
 * timestamps.npy (0.4/0.5, sample indices). Every (experiment, recording) pair is one segment;
 * a stream is a continuous folder (e.g. 'Neuropix-PXI-100.ProbeB'). AUX/ADC channels are left out of the
 * ephys channels unless asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { BinaryRecording } from './binary.js';
import { FileByteSource, formatBytes } from './bytesource.js';
import { readNpyHeaderFromFile } from './npy.js';

interface OebinChannel {
  channel_name: string;
  bit_volts: number;
  units?: string;
}

interface OebinContinuous {
  folder_name: string;
  sample_rate: number;
  num_channels: number;
  stream_name?: string;
  channels: OebinChannel[];
}

export interface OpenEphysStreamInfo {
  name: string;
  numChannels: number;
  samplingFrequency: number;
  available: boolean;
  note: string;
}

export interface OpenEphysOptions {
  /** Stream (continuous folder name, or its stream_name suffix); required when there are several. */
  stream?: string;
  /** Keep AUX and ADC channels (default: ephys channels only). */
  includeNonEphys?: boolean;
  reporter?: Reporter;
}

interface RecordingFolder {
  /** Folder holding structure.oebin. */
  dir: string;
  node: string;
  experiment: number;
  recording: number;
  oebin: { continuous?: OebinContinuous[] };
}

function findOebins(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isFile() && ent.name === 'structure.oebin') out.push(p);
    else if (ent.isDirectory() && depth > 0 && !['continuous', 'events', 'spikes'].includes(ent.name)) out.push(...findOebins(p, depth - 1));
  }
  return out;
}

function numberIn(name: string, prefix: string): number {
  const m = new RegExp(`^${prefix}(\\d+)$`).exec(name);
  return m ? Number(m[1]) : 1;
}

/** All recording folders under a path (top folder, Record Node, experiment, recording, .oebin or continuous.dat). */
function recordingFolders(p: string): RecordingFolder[] {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  let start = st.isDirectory() ? p : path.dirname(p);
  if (st.isFile() && path.basename(p) === 'continuous.dat') start = path.resolve(start, '..', '..');
  const oebins = findOebins(start, 4);
  if (!oebins.length) throw new Error(`${p}: no structure.oebin found; an Open Ephys binary recording has experimentN/recordingN/structure.oebin`);
  return oebins.map((f) => {
    const dir = path.dirname(f);
    let oebin: RecordingFolder['oebin'];
    try {
      oebin = JSON.parse(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`${f}: not valid JSON (${(e as Error).message}); the file is damaged`);
    }
    const expDir = path.dirname(dir);
    return {
      dir,
      node: path.basename(path.dirname(expDir)).startsWith('Record Node') ? path.basename(path.dirname(expDir)) : '',
      experiment: numberIn(path.basename(expDir), 'experiment'),
      recording: numberIn(path.basename(dir), 'recording'),
      oebin,
    };
  }).sort((a, b) => a.node.localeCompare(b.node) || a.experiment - b.experiment || a.recording - b.recording);
}

function streamKey(folder: RecordingFolder, c: OebinContinuous, multiNode: boolean): string {
  const name = c.folder_name.replace(/\/+$/, '');
  return multiNode && folder.node ? `${folder.node}#${name}` : name;
}

function isNonEphys(name: string): boolean {
  return /^(ADC|AUX)\d+/i.test(name) || /_(ADC|AUX)\d+$/i.test(name);
}

export function listOpenEphysStreams(p: string): OpenEphysStreamInfo[] {
  const folders = recordingFolders(p);
  const multiNode = new Set(folders.map((f) => f.node)).size > 1;
  const streams = new Map<string, OpenEphysStreamInfo>();
  for (const f of folders) {
    for (const c of f.oebin.continuous ?? []) {
      const key = streamKey(f, c, multiNode);
      const dat = path.join(f.dir, 'continuous', c.folder_name, 'continuous.dat');
      const ok = fs.existsSync(dat);
      const prev = streams.get(key);
      const ephys = c.channels.filter((ch) => !isNonEphys(ch.channel_name)).length;
      if (!prev) {
        streams.set(key, { name: key, numChannels: ephys || c.num_channels, samplingFrequency: c.sample_rate, available: ok, note: ok ? '1 segment(s)' : `missing ${dat}` });
      } else {
        prev.available &&= ok;
        prev.note = prev.available ? `${Number(prev.note.split(' ')[0]) + 1} segment(s)` : ok ? prev.note : `missing ${dat}`;
      }
    }
  }
  return [...streams.values()];
}

/** First sample index of a segment (sample_numbers.npy, else timestamps.npy when it holds integers). */
function firstSampleNumber(streamDir: string): number | null {
  for (const name of ['sample_numbers.npy', 'timestamps.npy']) {
    const f = path.join(streamDir, name);
    if (!fs.existsSync(f)) continue;
    const h = readNpyHeaderFromFile(f);
    if (h.size === 0 || (h.dtype !== 'int64' && h.dtype !== 'int32')) continue;
    const src = new FileByteSource(f);
    try {
      const b = src.read(h.dataOffset, h.itemSize);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return h.dtype === 'int64' ? Number(v.getBigInt64(0, !h.bigEndian)) : v.getInt32(0, !h.bigEndian);
    } finally {
      src.close();
    }
  }
  return null;
}

function microvoltsPerBit(ch: OebinChannel): number {
  const u = (ch.units ?? '').trim();
  if (u === 'V') return ch.bit_volts * 1e6;
  if (u === 'mV') return ch.bit_volts * 1e3;
  return ch.bit_volts;
}

/** Opens one continuous stream of an Open Ephys binary recording; each experiment/recording is a segment. */
export function openOpenEphysBinary(p: string, opts: OpenEphysOptions = {}): BinaryRecording {
  const reporter = opts.reporter ?? silentReporter;
  const folders = recordingFolders(p);
  const multiNode = new Set(folders.map((f) => f.node)).size > 1;
  const streams = listOpenEphysStreams(p);
  const names = streams.map((s) => s.name).join(', ');
  let want = opts.stream;
  const st = fs.statSync(p);
  if (!want && st.isFile() && path.basename(p) === 'continuous.dat') want = path.basename(path.dirname(p));
  let chosen: OpenEphysStreamInfo | undefined;
  if (want) {
    chosen = streams.find((s) => s.name === want) ?? streams.find((s) => s.name.endsWith(`.${want}`) || s.name.endsWith(`#${want}`));
    if (!chosen) throw new Error(`${p}: no Open Ephys stream '${want}'; streams: ${names}. Pick one with --stream`);
  } else if (streams.length === 1) {
    chosen = streams[0];
  } else {
    throw new Error(`${p}: ${streams.length} Open Ephys streams (${names}); pick one with --stream`);
  }
  if (!chosen.available) throw new Error(`${p}: stream '${chosen.name}' is unavailable (${chosen.note}); copy its continuous.dat or pick another stream`);
  const parts = folders.flatMap((f) =>
    (f.oebin.continuous ?? []).filter((c) => streamKey(f, c, multiNode) === chosen!.name).map((c) => ({ folder: f, c })),
  );
  const first = parts[0].c;
  for (const { folder, c } of parts) {
    if (c.num_channels !== first.num_channels || c.sample_rate !== first.sample_rate) {
      throw new Error(`${folder.dir}: stream '${chosen.name}' has ${c.num_channels} channels at ${c.sample_rate} Hz here but ${first.num_channels} at ${first.sample_rate} Hz in the first recording; open the recordings separately`);
    }
  }
  if (first.channels.length !== first.num_channels) {
    throw new Error(`${parts[0].folder.dir}/structure.oebin: stream '${chosen.name}' lists ${first.channels.length} channels but num_channels=${first.num_channels}`);
  }
  let cols = first.channels.map((_, i) => i);
  if (!opts.includeNonEphys) {
    const ephys = cols.filter((i) => !isNonEphys(first.channels[i].channel_name));
    if (ephys.length) cols = ephys;
  }
  const files = parts.map(({ folder, c }) => path.join(folder.dir, 'continuous', c.folder_name, 'continuous.dat'));
  const frame = first.num_channels * 2;
  const numSamples = files.map((f) => {
    const size = fs.statSync(f).size;
    if (size % frame !== 0) {
      reporter.log('warn', `${f}: ${formatBytes(size)} bytes is not a whole number of ${first.num_channels}-channel int16 frames; the partial last frame is ignored (file truncated?)`);
    }
    return Math.floor(size / frame);
  });
  const times = files.map((f) => {
    const s0 = firstSampleNumber(path.dirname(f));
    return { tStart: s0 === null ? 0 : s0 / first.sample_rate, timestamps: null };
  });
  return new BinaryRecording({
    files,
    samplingFrequency: first.sample_rate,
    numChannelsInFile: first.num_channels,
    dtype: 'int16',
    fileChannels: cols,
    channelIds: cols.map((i) => first.channels[i].channel_name),
    gains: cols.map((i) => microvoltsPerBit(first.channels[i])),
    numSamples,
    init: {
      times,
      annotations: {
        format: 'openephys-binary',
        stream: chosen.name,
        segments: parts.map(({ folder }) => ({ node: folder.node, experiment: folder.experiment, recording: folder.recording })),
      },
    },
  });
}

export function isOpenEphysBinary(p: string): boolean {
  try {
    return recordingFolders(p).length > 0;
  } catch {
    return false;
  }
}
