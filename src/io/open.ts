/**
 * One entry point for every recording format: openRecording(path, opts) detects the format from names
 * and contents (or takes opts.format), opens it lazily, and optionally attaches a probe file.
 * listStreams(path) lists the streams of multi-stream files/folders.
 * HDF5-based readers and the SpikeInterface folder reader are imported on demand, so opening a
 * SpikeGLX file never loads h5wasm.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DType, parseDType } from '../core/dtypes.js';
import { Recording } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { BinaryRecording } from './binary.js';
import { isBlackrock, openBlackrock, readNsxHeader } from './blackrock.js';
import { isIntan, openIntan } from './intan.js';
import { isNeuralynx, openNeuralynx } from './neuralynx.js';
import { isOpenEphysBinary, listOpenEphysStreams, openOpenEphysBinary } from './openephys.js';
import { isOpenEphysLegacy, openOpenEphysLegacy } from './openephysLegacy.js';
import { isSpikeGlx, listSpikeGlxStreams, openSpikeGlx } from './spikeglx.js';
import { isAxona, openAxona } from './axona.js';
import { isPlexon, openPlexon, plexonStreams, readPlexonHeader } from './plexon.js';
import { isSpike2, openSpike2, spike2Streams } from './spike2.js';
import { isSpikeGadgets, openSpikeGadgets } from './spikegadgets.js';
import { isRawFolder, openRawFolder } from './rawfolder.js';

export const FORMAT_NAMES = [
  'spikeinterface',
  'dataset',
  'raw',
  'raw-folder',
  'spikeglx',
  'openephys',
  'openephys-legacy',
  'intan',
  'neuralynx',
  'blackrock',
  'nwb',
  'maxwell',
  'mearec',
  'biocam',
  'axona',
  'spike2',
  'plexon',
  'spikegadgets',
] as const;

export type RecordingFormat = (typeof FORMAT_NAMES)[number];

export interface OpenRecordingOptions {
  format?: RecordingFormat | string;
  /** Stream for multi-stream formats (SpikeGLX 'imec0.ap', Open Ephys folder name, NWB series, ...). */
  stream?: string;
  /** Raw binary: channels in the file, sampling rate, dtype and header bytes. */
  channels?: number;
  fs?: number;
  dtype?: DType | string;
  byteOffset?: number;
  /** Raw binary: µV per bit (default 1: traces stay in file units). */
  gainToUv?: number;
  /** Folder of HDF5 filter plugins (compiled for h5wasm) for compressed HDF5 files; also $HDF5_PLUGIN_PATH. */
  hdf5PluginPath?: string;
  /** Probe file (probeinterface .json, .prb, Kilosort chanMap .mat, Neuropixels .imro) to attach. */
  probe?: string;
  /** With a Neuropixels catalogue .json as probe: the .imro table of the recorded sites. */
  imro?: string;
  reporter?: Reporter;
}

export interface StreamInfo {
  name: string;
  numChannels: number;
  samplingFrequency: number;
  available: boolean;
  note: string;
}

const SUPPORTED_LIST = `${FORMAT_NAMES.join(', ')}`;

function exists(p: string): fs.Stats | undefined {
  return fs.statSync(p, { throwIfNoEntry: false });
}

/** The format of a path, or null when nothing matches. Cheap checks first; contents where names are ambiguous. */
export function detectFormat(p: string): RecordingFormat | null {
  const st = exists(p);
  if (!st) throw new Error(`${p}: not found`);
  const lower = p.toLowerCase();
  if (st.isDirectory()) {
    if (fs.existsSync(path.join(p, 'dataset.json'))) return 'dataset';
    if (fs.existsSync(path.join(p, 'binary.json')) || fs.existsSync(path.join(p, 'si_folder.json'))) return 'spikeinterface';
    if (isIntan(p)) return 'intan';
    const names = fs.readdirSync(p);
    if (names.some((n) => /\.ncs$/i.test(n))) return 'neuralynx';
    if (names.some((n) => n.endsWith('.continuous'))) return 'openephys-legacy';
    if (isSpikeGlx(p)) return 'spikeglx';
    if (isOpenEphysBinary(p)) return 'openephys';
    if (isRawFolder(p)) return 'raw-folder';
    return null;
  }
  // Axona's .bin has a .set beside it; checked before SpikeGLX's .bin + .meta.
  if (isAxona(p)) return 'axona';
  if (/\.(ap|lf|nidq|obx)\.(bin|meta)$/.test(lower) || (lower.endsWith('.meta') && isSpikeGlx(p))) return 'spikeglx';
  if (lower.endsWith('.bin') && fs.existsSync(p.replace(/\.bin$/, '.meta'))) return 'spikeglx';
  if (path.basename(p) === 'structure.oebin' || path.basename(p) === 'continuous.dat') return 'openephys';
  if (lower.endsWith('.continuous')) return 'openephys-legacy';
  if (/\.(rhd|rhs)$/.test(lower)) return 'intan';
  if (lower.endsWith('.ncs') && isNeuralynx(p)) return 'neuralynx';
  if (isBlackrock(p)) return 'blackrock';
  if (isSpike2(p)) return 'spike2';
  if (isPlexon(p)) return 'plexon';
  if (isSpikeGadgets(p)) return 'spikegadgets';
  if (lower.endsWith('.nwb')) return 'nwb';
  if (/\.(h5|hdf5|brw|bxr)$/.test(lower)) return detectHdf5(p);
  return null;
}

function detectHdf5(p: string): RecordingFormat | null {
  const lower = p.toLowerCase();
  if (lower.endsWith('.brw')) return 'biocam';
  if (lower.endsWith('.raw.h5')) return 'maxwell';
  // Content checks are done by the HDF5 readers when opened; names decide between them here.
  if (/mearec|recordings_/i.test(path.basename(p))) return 'mearec';
  return null;
}

function unknownFormat(p: string, extra = ''): Error {
  return new Error(
    `${p}: cannot tell the recording format${extra}. Supported: ${SUPPORTED_LIST}. Pass --format <name>, or for a raw binary file --channels, --fs and --dtype.`,
  );
}

/** The message for a recognised format we cannot read yet, or null. */
export function detectUnsupported(p: string): string | null {
  if (!exists(p)?.isFile()) return null;
  if (/\.pl2$/i.test(p)) return `${p}: Plexon .pl2 files are not supported yet; export them to .plx or NWB (Plexon's PL2 utilities) and open that`;
  if (/\.smrx$/i.test(p)) return `${p}: Spike2 64-bit .smrx files are not supported yet; save the file as .smr (32-bit) from Spike2 and open that`;
  return null;
}

function openRaw(p: string, opts: OpenRecordingOptions): BinaryRecording {
  const missing = [opts.channels === undefined && '--channels', opts.fs === undefined && '--fs', opts.dtype === undefined && '--dtype'].filter(Boolean);
  if (missing.length) throw new Error(`${p}: a raw binary file needs ${missing.join(', ')} (channels in the file, sampling rate in Hz, sample type such as int16)`);
  return new BinaryRecording({
    files: [p],
    samplingFrequency: opts.fs!,
    numChannelsInFile: opts.channels!,
    dtype: parseDType(String(opts.dtype), `${p}: --dtype`),
    byteOffset: opts.byteOffset,
    gains: opts.gainToUv ? new Array<number>(opts.channels!).fill(opts.gainToUv) : undefined,
  });
}

async function openByFormat(p: string, format: string, opts: OpenRecordingOptions): Promise<Recording> {
  const reporter = opts.reporter ?? silentReporter;
  switch (format) {
    case 'raw-folder':
      return openRawFolder(p);
    case 'raw':
      return openRaw(p, opts);
    case 'spikeglx':
      return openSpikeGlx(p, { stream: opts.stream, reporter });
    case 'openephys':
      return openOpenEphysBinary(p, { stream: opts.stream, reporter });
    case 'openephys-legacy':
      return openOpenEphysLegacy(p, { reporter });
    case 'intan':
      return openIntan(p, { reporter });
    case 'neuralynx':
      return openNeuralynx(p, { reporter });
    case 'blackrock':
      return openBlackrock(p);
    case 'axona':
      return openAxona(p, { reporter });
    case 'spike2':
      return openSpike2(p, { stream: opts.stream });
    case 'plexon':
      return openPlexon(p, { stream: opts.stream });
    case 'spikegadgets':
      return openSpikeGadgets(p, { reporter });
    // Readers below load on demand: opening a SpikeGLX file never loads h5wasm.
    case 'dataset':
      return (await (await import('./dataset.js')).loadGroundTruthDataset(p)).recording;
    case 'spikeinterface':
      return (await import('./siFolder.js')).readSpikeInterfaceFolder(p);
    case 'nwb':
      return (await import('./nwb.js')).openNwb(p, { stream: opts.stream, reporter, hdf5PluginPath: opts.hdf5PluginPath });
    case 'maxwell':
      return (await import('./maxwell.js')).openMaxwell(p, { stream: opts.stream, hdf5PluginPath: opts.hdf5PluginPath });
    case 'mearec':
      return (await (await import('./mearec.js')).openMearec(p)).recording;
    case 'biocam':
      return (await import('./biocam.js')).openBiocam(p, { stream: opts.stream, hdf5PluginPath: opts.hdf5PluginPath });
    default:
      throw new Error(`--format '${format}' is not known. Supported: ${SUPPORTED_LIST}`);
  }
}

/**
 * A folder that is not itself a recording but holds exactly one recording file (an .nwb, a .brw, an
 * .smr, ...) stands for that file; with several, the error lists them. Other paths are returned as given.
 */
export function resolveRecordingPath(p: string): string {
  const st = exists(p);
  if (!st || !st.isDirectory() || detectFormat(p) !== null) return p;
  const found: string[] = [];
  for (const name of fs.readdirSync(p).sort()) {
    const f = path.join(p, name);
    if (!fs.statSync(f).isFile()) continue;
    try {
      if (detectFormat(f) !== null && detectUnsupported(f) === null) found.push(f);
    } catch {
      // Unreadable or unrelated files are not candidates.
    }
  }
  if (found.length === 1) return found[0];
  // Header and data files of one recording (Axona .set + .bin): the data file is the largest.
  const stem = (f: string) => path.basename(f).replace(/\.[^.]*$/, '');
  if (found.length > 1 && found.every((f) => stem(f) === stem(found[0]) && detectFormat(f) === detectFormat(found[0]))) {
    return found.reduce((a, b) => (fs.statSync(b).size > fs.statSync(a).size ? b : a));
  }
  if (found.length > 1) {
    throw new Error(`${p}: the folder holds several recordings (${found.map((f) => path.basename(f)).join(', ')}): pass one of them`);
  }
  return p;
}

/** Opens any supported recording; see FORMAT_NAMES. */
export async function openRecording(given: string, opts: OpenRecordingOptions = {}): Promise<Recording> {
  if (!exists(given)) throw new Error(`${given}: not found`);
  const p = opts.format ? given : resolveRecordingPath(given);
  let format = opts.format;
  if (!format) {
    if (opts.channels !== undefined || opts.dtype !== undefined) format = 'raw';
    else {
      const unsupported = detectUnsupported(p);
      if (unsupported) throw new Error(unsupported);
      format = detectFormat(p) ?? undefined;
    }
  }
  if (!format) throw unknownFormat(p);
  const rec = await openByFormat(p, format, opts);
  if (opts.probe) {
    const m = await import('./probefile.js');
    return m.attachProbe(rec, m.readProbeFile(opts.probe, { imro: opts.imro }), { where: opts.probe });
  }
  return rec;
}

/** Streams of a multi-stream recording (SpikeGLX, Open Ephys, NSx, HDF5 formats); one entry otherwise. */
export async function listStreams(given: string, opts: { format?: string } = {}): Promise<StreamInfo[]> {
  const p = opts.format ? given : resolveRecordingPath(given);
  const format = opts.format ?? detectFormat(p);
  switch (format) {
    case 'spikeglx':
      return listSpikeGlxStreams(p).map(({ name, numChannels, samplingFrequency, available, note }) => ({ name, numChannels, samplingFrequency, available, note }));
    case 'openephys':
      return listOpenEphysStreams(p);
    case 'blackrock': {
      const h = readNsxHeader(p);
      return [{ name: path.basename(p), numChannels: h.channels.length, samplingFrequency: h.samplingFrequency, available: true, note: `File Spec ${h.fileSpec}, ${h.packets.length} segment(s)` }];
    }
    case 'spike2':
      return spike2Streams(p).map((s) => ({
        name: s.name,
        numChannels: s.channels.length,
        samplingFrequency: s.samplingFrequency,
        available: true,
        note: `${s.channels.map((c) => c.title || String(c.index + 1)).join(', ')}; ${s.runs[0].length} segment(s)`,
      }));
    case 'plexon': {
      const streams = plexonStreams(p);
      if (!streams.length) {
        const h = readPlexonHeader(p);
        return [{ name: 'spikes', numChannels: h.dsp.length, samplingFrequency: h.file.adFrequency, available: false, note: 'spike waveforms only, no continuous channels (readPlexonSpikes)' }];
      }
      return streams.map((s) => ({ name: s.name, numChannels: s.channels.length, samplingFrequency: s.samplingFrequency, available: true, note: s.channels.map((c) => c.name).join(', ') }));
    }
    case 'nwb':
    case 'maxwell':
    case 'biocam': {
      const file = format === 'nwb' ? 'nwb.js' : `${format}.js`;
      const fn = format === 'nwb' ? 'listNwbStreams' : format === 'maxwell' ? 'listMaxwellStreams' : 'listBiocamStreams';
      const m = (await import(new URL(`./${file}`, import.meta.url).href)) as Record<string, (f: string) => Promise<string[]>>;
      const names = await m[fn](p);
      return names.map((name) => ({ name, numChannels: NaN, samplingFrequency: NaN, available: true, note: 'open with --stream to see channels and rate' }));
    }
    default: {
      const rec = await openRecording(p, { format: format ?? undefined });
      return [{ name: 'default', numChannels: rec.numChannels, samplingFrequency: rec.samplingFrequency, available: true, note: `${rec.numSegments} segment(s)` }];
    }
  }
}
