/**
 * MEArec simulated recordings (.h5): `recordings` (µV; time × channels in MEArec ≥ 1.5, channels ×
 * time before — told apart by the channel count), `info/recordings/fs`, `channel_positions`
 * (channels × 3, µm; the probe plane is named by info/electrodes/plane, default 'yz') and ground-truth
 * `spiketrains/<i>/times` (seconds).
 */
import type { PropertyValues } from '../core/recording.js';
import { Sorting } from '../core/sorting.js';
import {
  H5File,
  Hdf5Recording,
  SampleLayout,
  addHdf5PluginPath,
  asNumber,
  asString,
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

export interface MearecOpenOptions {
  hdf5PluginPath?: string;
}

export interface MearecLayout {
  samplingFrequency: number;
  numChannels: number;
  /** x, y (µm) per channel, flat, in the probe plane. */
  locations: Float64Array;
  plane: string;
  electrodeName: string;
  /** Null when the file has no `recordings` dataset. */
  recordings: { layout: SampleLayout; numSamples: number } | null;
  numSpiketrains: number;
  /** µV per stored unit for integer recordings (info/recordings/gain), null when the samples are already µV. */
  gain: number | null;
}

/** MEArec files are HDF5 with /info/recordings and /channel_positions (judged false until loadHdf5() has run: .h5 says nothing). */
export function isMearec(file: string): boolean {
  if (!hasHdf5Signature(file) || !isHdf5Loaded()) return false;
  let f: H5File | null = null;
  try {
    f = openHdf5(file);
    return Boolean(findGroup(f, '/info/recordings') && findDataset(f, '/channel_positions'));
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

function layoutOf(f: H5File, file: string): MearecLayout {
  const fs = asNumber(requireDataset(f, '/info/recordings/fs', 'info/recordings/fs').value, `${file}: info/recordings/fs`);
  if (!(fs > 0)) throw new Error(`${file}: info/recordings/fs is ${fs}: expected a positive sampling rate`);
  const pos = requireDataset(f, '/channel_positions', 'channel_positions');
  const shape = pos.shape ?? [];
  if (shape.length !== 2 || shape[1] < 2) throw new Error(`${file}: channel_positions has shape [${shape}], expected channels × 3`);
  const numChannels = shape[0];
  const xyz = readNumbers(pos);
  const planeDs = findDataset(f, '/info/electrodes/plane');
  const plane = planeDs ? asString(planeDs.json_value) : 'yz';
  const axes = ['x', 'y', 'z'];
  const a = axes.indexOf(plane[0]);
  const b = axes.indexOf(plane[1]);
  if (a < 0 || b < 0 || a >= shape[1] || b >= shape[1]) throw new Error(`${file}: info/electrodes/plane '${plane}' is not two of x, y, z`);
  const locations = Float64Array.from({ length: numChannels * 2 }, (_, i) => xyz[(i >> 1) * shape[1] + (i % 2 ? b : a)]);
  const nameDs = findDataset(f, '/info/electrodes/electrode_name');
  let recordings: MearecLayout['recordings'] = null;
  const rec = findDataset(f, '/recordings');
  if (rec) {
    const rs = rec.shape ?? [];
    if (rs.length !== 2) throw new Error(`${file}: recordings has shape [${rs}], expected 2 dimensions`);
    // Newer MEArec stores time × channels; older files channels × time.
    if (rs[1] === numChannels) recordings = { layout: 'time-major', numSamples: rs[0] };
    else if (rs[0] === numChannels) recordings = { layout: 'channel-major', numSamples: rs[1] };
    else throw new Error(`${file}: recordings has shape [${rs}] but channel_positions lists ${numChannels} channels: the file is inconsistent`);
  }
  const st = findGroup(f, '/spiketrains');
  const gainDs = findDataset(f, '/info/recordings/gain');
  const gainText = gainDs ? asString(gainDs.json_value) : 'null';
  const gain = gainText === 'null' || gainText === 'None' || gainText === '' ? null : asNumber(gainText, `${file}: info/recordings/gain`);
  return {
    gain,
    samplingFrequency: fs,
    numChannels,
    locations,
    plane,
    electrodeName: nameDs ? asString(nameDs.json_value) : '',
    recordings,
    numSpiketrains: st ? st.keys().length : 0,
  };
}

/** The layout of a MEArec file (works for files without recordings, e.g. probe-only exports). */
export async function readMearecLayout(file: string): Promise<MearecLayout> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    return layoutOf(f, file);
  } finally {
    f.close();
  }
}

function readSpiketrains(f: H5File, file: string, fs: number): Sorting | null {
  const g = findGroup(f, '/spiketrains');
  if (!g) return null;
  const keys = g.keys().sort((x, y) => Number(x) - Number(y) || x.localeCompare(y));
  const trains = keys.map((k) => {
    const t = readNumbers(requireDataset(f, `/spiketrains/${k}/times`, `spike train ${k} times`));
    return Float64Array.from(t, (s) => Math.round(s * fs)).sort();
  });
  return Sorting.fromTrains([trains], { samplingFrequency: fs, unitIds: keys, annotations: { format: 'mearec', file } });
}

/** Opens a MEArec file: the recording (lazy) and, when the file has spike trains, the ground-truth sorting. */
export async function openMearec(file: string, opts: MearecOpenOptions = {}): Promise<{ recording: Hdf5Recording; sorting: Sorting | null }> {
  await loadHdf5();
  if (opts.hdf5PluginPath) addHdf5PluginPath(opts.hdf5PluginPath);
  const f = openHdf5(file);
  let lay: MearecLayout;
  let sorting: Sorting | null;
  try {
    lay = layoutOf(f, file);
    if (!lay.recordings) throw new Error(`${file}: this MEArec file has no 'recordings' dataset (probe/metadata only): nothing to sort`);
    sorting = readSpiketrains(f, file, lay.samplingFrequency);
  } finally {
    f.close();
  }
  const n = lay.numChannels;
  const gain = lay.gain ?? 1;
  const properties = new Map<string, PropertyValues>([['location', lay.locations]]);
  const recording = new Hdf5Recording({
    file,
    dataset: '/recordings',
    layout: lay.recordings.layout,
    numChannelsInFile: n,
    pluginPaths: hdf5PluginPaths(),
    init: {
      samplingFrequency: lay.samplingFrequency,
      channelIds: Array.from({ length: n }, (_, i) => String(i)),
      gains: new Array<number>(n).fill(gain),
      properties,
      annotations: { format: 'mearec', probe: lay.electrodeName },
    },
  });
  if (sorting) sorting.registerRecording(recording);
  return { recording, sorting };
}
