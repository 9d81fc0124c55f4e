/**
 * 3Brain BioCAM `.brw` recordings (HDF5).
 *
 * BRW v3: /3BData/Raw is a flat uint16 array of frames × channels; /3BRecInfo/3BRecVars holds
 * SamplingRate, NRecFrames, BitDepth, MinVolt/MaxVolt (µV) and SignalInversion;
 * /3BRecInfo/3BMeaStreams/Raw/Chs lists (Row, Col) of each channel on the chip.
 * µV = (raw − 2^(BitDepth−1)) × (MaxVolt − MinVolt) / 2^BitDepth × SignalInversion.
 *
 * BRW v4: /Well_XN/{Raw, StoredChIdxs}, root attribute SamplingRate (or ExperimentSettings JSON),
 * and µV = MinAnalogValue + (raw − MinDigitalValue) × (MaxAnalog − MinAnalog)/(MaxDigital − MinDigital).
 * Channel index i sits at row ⌊i / NCols⌋, column i mod NCols.
 */
import type { PropertyValues } from '../core/recording.js';
import {
  H5File,
  Hdf5Recording,
  addHdf5PluginPath,
  asNumber,
  asString,
  attrValue,
  findDataset,
  findGroup,
  hasHdf5Signature,
  hdf5PluginPaths,
  isHdf5Loaded,
  loadHdf5,
  openHdf5,
  readNumbers,
  requireDataset,
} from './hdf5.js';

export interface BiocamOpenOptions {
  /** v4 files: the well, e.g. 'Well_A1' (default: the first with raw data). */
  stream?: string;
  /** Electrode pitch in µm used for channel positions (default 42, the Arena chip). */
  pitchUm?: number;
  hdf5PluginPath?: string;
}

interface BiocamLayout {
  dataset: string;
  numChannels: number;
  numFrames: number;
  samplingFrequency: number;
  gain: number;
  offset: number;
  rows: Int32Array;
  cols: Int32Array;
  version: 3 | 4;
  stream: string;
}

/** BRW files are HDF5 with /3BData + /3BRecInfo (v3) or /Well_* groups (v4) (judged by the .brw name until loadHdf5() has run). */
export function isBiocam(file: string): boolean {
  if (!hasHdf5Signature(file)) return false;
  if (!isHdf5Loaded()) return file.toLowerCase().endsWith('.brw');
  let f: H5File | null = null;
  try {
    f = openHdf5(file);
    return Boolean(findGroup(f, '/3BRecInfo') || f.keys().some((k) => k.startsWith('Well_')));
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

export async function listBiocamStreams(file: string): Promise<string[]> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    if (findGroup(f, '/3BRecInfo')) return ['Raw'];
    return f.keys().filter((k) => k.startsWith('Well_') && findDataset(f, `/${k}/Raw`));
  } finally {
    f.close();
  }
}

function scalar(f: H5File, p: string, file: string): number {
  return asNumber(requireDataset(f, p, 'recording variable').value, `${file}: ${p}`);
}

function layoutV3(f: H5File, file: string): BiocamLayout {
  const vars = '/3BRecInfo/3BRecVars';
  const numFrames = scalar(f, `${vars}/NRecFrames`, file);
  const samplingFrequency = scalar(f, `${vars}/SamplingRate`, file);
  const bitDepth = scalar(f, `${vars}/BitDepth`, file);
  const maxV = scalar(f, `${vars}/MaxVolt`, file);
  const minV = scalar(f, `${vars}/MinVolt`, file);
  const inversion = findDataset(f, `${vars}/SignalInversion`) ? scalar(f, `${vars}/SignalInversion`, file) : 1;
  const chs = requireDataset(f, '/3BRecInfo/3BMeaStreams/Raw/Chs', 'channel list').json_value as unknown[];
  const rows = Int32Array.from(chs, (c) => Number((c as number[])[0]));
  const cols = Int32Array.from(chs, (c) => Number((c as number[])[1]));
  const raw = requireDataset(f, '/3BData/Raw', 'raw samples');
  const shape = raw.shape ?? [];
  if (shape.length !== 1) throw new Error(`${file}: /3BData/Raw has shape [${shape}]; only the flat BRW 3.x layout (format 101/102) is supported`);
  const numChannels = rows.length;
  if (numChannels === 0 || shape[0] < numFrames * numChannels) {
    throw new Error(`${file}: /3BData/Raw holds ${shape[0]} values, fewer than NRecFrames ${numFrames} × ${numChannels} channels: the file is truncated`);
  }
  const gain = (inversion * (maxV - minV)) / 2 ** bitDepth;
  return {
    dataset: '/3BData/Raw', numChannels, numFrames, samplingFrequency, gain, offset: -(2 ** (bitDepth - 1)) * gain,
    rows, cols, version: 3, stream: 'Raw',
  };
}

function layoutV4(f: H5File, file: string, stream?: string): BiocamLayout {
  const wells = f.keys().filter((k) => k.startsWith('Well_') && findDataset(f, `/${k}/Raw`));
  if (wells.length === 0) {
    const sparse = f.keys().some((k) => k.startsWith('Well_') && findDataset(f, `/${k}/EventsBasedSparseRaw`));
    throw new Error(sparse
      ? `${file}: this BRW 4 file stores event-based sparse data (EventsBasedSparseRaw), which spikeforge cannot read: export full raw data from BrainWave`
      : `${file}: not a BioCAM BRW file (no /3BRecInfo and no /Well_*/Raw)`);
  }
  const well = stream ?? wells[0];
  if (!wells.includes(well)) throw new Error(`${file}: no well '${well}' with raw data; the file has: ${wells.join(', ')}`);
  const settingsDs = findDataset(f, '/ExperimentSettings');
  const settings = settingsDs ? (JSON.parse(asString(settingsDs.json_value)) as Record<string, Record<string, unknown>>) : {};
  const conv = settings.ValueConverter ?? {};
  const pick = (name: string): number => {
    const v = conv[name] ?? attrValue(f, name);
    if (v === undefined) throw new Error(`${file}: missing ${name} (ExperimentSettings.ValueConverter or root attribute): cannot convert samples to µV`);
    return asNumber(v, `${file}: ${name}`);
  };
  const samplingFrequency = asNumber((settings.TimeConverter as Record<string, unknown> | undefined)?.FrameRate ?? attrValue(f, 'SamplingRate'), `${file}: sampling rate`);
  const minA = pick('MinAnalogValue');
  const maxA = pick('MaxAnalogValue');
  const minD = pick('MinDigitalValue');
  const maxD = pick('MaxDigitalValue');
  const idx = readNumbers(requireDataset(f, `/${well}/StoredChIdxs`, 'stored channel indices'));
  const numChannels = idx.length;
  const raw = requireDataset(f, `/${well}/Raw`, 'raw samples');
  const total = (raw.shape ?? [0])[0];
  if (numChannels === 0 || total % numChannels !== 0) {
    throw new Error(`${file}: /${well}/Raw has ${total} values, not a multiple of ${numChannels} stored channels: the file is truncated or inconsistent`);
  }
  const nCols = asNumber((settings.MeaPlate as Record<string, unknown> | undefined)?.NCols ?? 64, `${file}: MeaPlate.NCols`);
  const gain = (maxA - minA) / (maxD - minD);
  return {
    dataset: `/${well}/Raw`, numChannels, numFrames: total / numChannels, samplingFrequency, gain, offset: minA - minD * gain,
    rows: Int32Array.from(idx, (i) => Math.floor(i / nCols)), cols: Int32Array.from(idx, (i) => i % nCols), version: 4, stream: well,
  };
}

/** Opens a BRW recording (v3 or v4) as a lazily read recording with channel positions from the chip grid. */
export async function openBiocam(file: string, opts: BiocamOpenOptions = {}): Promise<Hdf5Recording> {
  await loadHdf5();
  if (opts.hdf5PluginPath) addHdf5PluginPath(opts.hdf5PluginPath);
  const f = openHdf5(file);
  let lay: BiocamLayout;
  try {
    lay = findGroup(f, '/3BRecInfo') ? layoutV3(f, file) : layoutV4(f, file, opts.stream);
  } finally {
    f.close();
  }
  const pitch = opts.pitchUm ?? 42;
  const n = lay.numChannels;
  const properties = new Map<string, PropertyValues>([
    ['location', Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 ? lay.rows[i >> 1] : lay.cols[i >> 1]) * pitch)],
    ['row', lay.rows],
    ['col', lay.cols],
  ]);
  return new Hdf5Recording({
    file,
    dataset: lay.dataset,
    layout: 'interleaved',
    numChannelsInFile: n,
    numSamples: lay.numFrames,
    pluginPaths: hdf5PluginPaths(),
    init: {
      samplingFrequency: lay.samplingFrequency,
      channelIds: Array.from(lay.rows, (r, i) => `${r}_${lay.cols[i]}`),
      gains: new Array<number>(n).fill(lay.gain),
      offsets: new Array<number>(n).fill(lay.offset),
      properties,
      annotations: { format: 'biocam', brwVersion: lay.version, stream: lay.stream },
    },
  });
}
