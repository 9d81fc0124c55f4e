/**
 * MaxWell Biosystems HD-MEA recordings (`data.raw.h5`, MaxOne and MaxTwo).
 *
 * Layouts: 2016 legacy (/sig, /mapping, /settings), MaxOne (/data_store/dataNNNN/{groups/routed/raw,
 * settings}) and MaxTwo (/recordings/recNNNN/wellNNN/... or /wells/wellNNN/recNNNN/...). Each well is
 * a stream. `raw` is channels × frames uint16; row i is routed channel `channels[i]`, placed on the
 * chip by settings/mapping (channel, electrode, x, y in µm). µV = raw × lsb × 1e6.
 *
 * MaxWell compresses `raw` with its own HDF5 filter (id 401). Metadata reads without it
 * (readMaxwellInfo); samples need that decoder as an h5wasm (WebAssembly) plugin.
 */
import type { PropertyValues } from '../core/recording.js';
import {
  FilterInfo,
  H5File,
  H5Group,
  Hdf5Recording,
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
  pluginFilters,
  readNumbers,
  requireDataset,
} from './hdf5.js';

export interface MaxwellOpenOptions {
  /** The well, e.g. 'well000' (default: the first). */
  stream?: string;
  /** The recording within the well, e.g. 'rec0000' (MaxTwo) or 'data0000' (MaxOne); default: the first. */
  recording?: string;
  hdf5PluginPath?: string;
}

export const MAXWELL_PLUGIN_HINT =
  "MaxWell's decoder plugin is needed: build or obtain it as an h5wasm (WebAssembly) HDF5 plugin and put its folder in the hdf5PluginPath option (--hdf5-plugin-path) or the HDF5_PLUGIN_PATH environment variable; the native libcompression.so for desktop HDF5 does not load into h5wasm. Alternatively export the recording to raw binary or NWB with MaxWell's software";

/** Where one well's recording lives in the file. */
interface MaxwellLocation {
  stream: string;
  recording: string;
  raw: string;
  settings: string;
  channels: string | null;
  mapping: string;
}

export interface MaxwellInfo {
  file: string;
  version: string;
  streams: string[];
  stream: string;
  recording: string;
  samplingFrequency: number;
  numChannels: number;
  numSamples: number;
  /** µV per raw unit (lsb × 1e6). */
  gainUv: number;
  channelIds: string[];
  electrodes: Int32Array;
  /** x, y (µm) per channel, flat. */
  locations: Float64Array;
  rawDataset: string;
  /** Filters on `raw` that need a plugin (e.g. 401, MaxWell's). */
  pluginFilters: FilterInfo[];
}

/** MaxWell files are HDF5 files with /data_store, /recordings + /wells, or /sig + /mapping (judged by the .raw.h5 name until loadHdf5() has run). */
export function isMaxwell(file: string): boolean {
  if (!hasHdf5Signature(file)) return false;
  if (!isHdf5Loaded()) return file.toLowerCase().endsWith('.raw.h5');
  let f: H5File | null = null;
  try {
    f = openHdf5(file);
    return locateAll(f).length > 0;
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

function sortedKeys(g: H5Group | null, prefix: string): string[] {
  return g ? g.keys().filter((k) => k.startsWith(prefix)).sort() : [];
}

/** Every (well, recording) in the file that has raw samples. */
function locateAll(f: H5File): MaxwellLocation[] {
  const out: MaxwellLocation[] = [];
  if (findDataset(f, '/sig') && findDataset(f, '/mapping')) {
    out.push({ stream: 'well000', recording: 'rec0000', raw: '/sig', settings: '/settings', channels: null, mapping: '/mapping' });
  }
  for (const d of sortedKeys(findGroup(f, '/data_store'), 'data')) {
    const base = `/data_store/${d}`;
    if (!findDataset(f, `${base}/groups/routed/raw`)) continue;
    const wellId = findDataset(f, `${base}/well_id`);
    const well = wellId ? `well${String(asNumber(wellId.value, `${base}/well_id`)).padStart(3, '0')}` : 'well000';
    out.push({ stream: well, recording: d, raw: `${base}/groups/routed/raw`, settings: `${base}/settings`, channels: `${base}/groups/routed/channels`, mapping: `${base}/settings/mapping` });
  }
  for (const rec of sortedKeys(findGroup(f, '/recordings'), 'rec')) {
    for (const well of sortedKeys(findGroup(f, `/recordings/${rec}`), 'well')) {
      const base = `/recordings/${rec}/${well}`;
      if (findDataset(f, `${base}/groups/routed/raw`)) {
        out.push({ stream: well, recording: rec, raw: `${base}/groups/routed/raw`, settings: `${base}/settings`, channels: `${base}/groups/routed/channels`, mapping: `${base}/settings/mapping` });
      }
    }
  }
  for (const well of sortedKeys(findGroup(f, '/wells'), 'well')) {
    for (const rec of sortedKeys(findGroup(f, `/wells/${well}`), 'rec')) {
      const base = `/wells/${well}/${rec}`;
      if (findDataset(f, `${base}/groups/routed/raw`) && !out.some((o) => o.stream === well && o.recording === rec)) {
        out.push({ stream: well, recording: rec, raw: `${base}/groups/routed/raw`, settings: `${base}/settings`, channels: `${base}/groups/routed/channels`, mapping: `${base}/settings/mapping` });
      }
    }
  }
  return out;
}

function chooseLocation(file: string, all: MaxwellLocation[], opts: MaxwellOpenOptions): MaxwellLocation {
  if (all.length === 0) throw new Error(`${file}: no MaxWell recording found (no /data_store/*/groups/routed/raw, /recordings/*/well*/groups/routed/raw or /sig): not a MaxWell file, or it holds spikes only`);
  const streams = [...new Set(all.map((l) => l.stream))];
  const stream = opts.stream ?? streams[0];
  const inWell = all.filter((l) => l.stream === stream);
  if (inWell.length === 0) throw new Error(`${file}: no well '${stream}'; the file has: ${streams.join(', ')}`);
  if (opts.recording === undefined) return inWell[0];
  const hit = inWell.find((l) => l.recording === opts.recording);
  if (!hit) throw new Error(`${file}: well '${stream}' has no recording '${opts.recording}'; it has: ${inWell.map((l) => l.recording).join(', ')}`);
  return hit;
}

export async function listMaxwellStreams(file: string): Promise<string[]> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    return [...new Set(locateAll(f).map((l) => l.stream))];
  } finally {
    f.close();
  }
}

/** Everything about a MaxWell recording except its samples; works without the decoder plugin. */
export async function readMaxwellInfo(file: string, opts: MaxwellOpenOptions = {}): Promise<MaxwellInfo> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    return infoFrom(f, file, opts);
  } finally {
    f.close();
  }
}

function infoFrom(f: H5File, file: string, opts: MaxwellOpenOptions): MaxwellInfo {
  const all = locateAll(f);
  const loc = chooseLocation(file, all, opts);
  const raw = requireDataset(f, loc.raw, 'MaxWell raw samples');
  const shape = raw.shape ?? [];
  if (shape.length !== 2) throw new Error(`${file}: '${loc.raw}' has shape [${shape}], expected channels × frames`);
  const [numChannels, numSamples] = shape;
  const version = findDataset(f, '/version') ? asString(findDataset(f, '/version')!.json_value) : '';
  const sampling = findDataset(f, `${loc.settings}/sampling`);
  const samplingFrequency = sampling ? asNumber(sampling.value, `${file}: ${loc.settings}/sampling`) : 20000;
  const gainUv = maxwellGainUv(f, file, loc.settings);

  const mapping = requireDataset(f, loc.mapping, 'channel mapping').json_value as unknown[];
  const byChannel = new Map<number, { electrode: number; x: number; y: number }>();
  for (const row of mapping ?? []) {
    const [channel, electrode, x, y] = row as number[];
    if (electrode >= 0) byChannel.set(Number(channel), { electrode: Number(electrode), x: Number(x), y: Number(y) });
  }
  // Row i of raw is routed channel channels[i]; the 2016 layout has no such list and is in mapping order.
  const rowChannels = loc.channels && findDataset(f, loc.channels)
    ? Array.from(readNumbers(findDataset(f, loc.channels)!))
    : Array.from(mapping ?? [], (r) => Number((r as number[])[0]));
  if (rowChannels.length !== numChannels) {
    throw new Error(`${file}: '${loc.raw}' has ${numChannels} rows but the channel list has ${rowChannels.length}: the file is inconsistent`);
  }
  const electrodes = new Int32Array(numChannels).fill(-1);
  const locations = new Float64Array(numChannels * 2).fill(NaN);
  rowChannels.forEach((ch, i) => {
    const m = byChannel.get(ch);
    if (!m) return;
    electrodes[i] = m.electrode;
    locations[2 * i] = m.x;
    locations[2 * i + 1] = m.y;
  });
  return {
    file,
    version,
    streams: [...new Set(all.map((l) => l.stream))],
    stream: loc.stream,
    recording: loc.recording,
    samplingFrequency,
    numChannels,
    numSamples,
    gainUv,
    channelIds: rowChannels.map(String),
    electrodes,
    locations,
    rawDataset: loc.raw,
    pluginFilters: pluginFilters(raw),
  };
}

function maxwellGainUv(f: H5File, file: string, settings: string): number {
  const lsb = findDataset(f, `${settings}/lsb`);
  if (lsb) return asNumber(lsb.value, `${file}: ${settings}/lsb`) * 1e6;
  // Without lsb: a 10-bit ADC over 3.3 V divided by the amplifier gain.
  const gain = findDataset(f, `${settings}/gain`);
  if (gain) return (3.3 / (1024 * asNumber(gain.value, `${file}: ${settings}/gain`))) * 1e6;
  throw new Error(`${file}: '${settings}' has neither lsb nor gain: cannot convert samples to µV`);
}

/** Opens one well as a lazily read recording; fails with a plugin hint when the samples are compressed with MaxWell's filter. */
export async function openMaxwell(file: string, opts: MaxwellOpenOptions = {}): Promise<Hdf5Recording> {
  await loadHdf5();
  if (opts.hdf5PluginPath) addHdf5PluginPath(opts.hdf5PluginPath);
  const info = await readMaxwellInfo(file, opts);
  const properties = new Map<string, PropertyValues>([['electrode', info.electrodes]]);
  if (info.locations.every((v) => Number.isFinite(v))) properties.set('location', info.locations);
  return new Hdf5Recording({
    file,
    dataset: info.rawDataset,
    layout: 'channel-major',
    numChannelsInFile: info.numChannels,
    pluginPaths: hdf5PluginPaths(),
    pluginHint: MAXWELL_PLUGIN_HINT,
    init: {
      samplingFrequency: info.samplingFrequency,
      channelIds: info.channelIds,
      gains: new Array<number>(info.numChannels).fill(info.gainUv),
      offsets: new Array<number>(info.numChannels).fill(0),
      properties,
      annotations: { format: 'maxwell', stream: info.stream, recording: info.recording, version: info.version },
    },
  });
}
