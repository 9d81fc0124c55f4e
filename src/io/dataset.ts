/**
 * The shared ground-truth dataset folders (gt-*): dataset.json describes a raw int16 recording, its
 * probe (probeinterface JSON) and the ground-truth spikes (gt_spike_times.npy + gt_spike_labels.npy).
 * loadGroundTruthDataset() validates the description and returns a lazy BinaryRecording and a Sorting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDType, DType } from '../core/dtypes.js';
import type { ProbeGroup } from '../core/probe.js';
import { Sorting } from '../core/sorting.js';
import { BinaryRecording } from './binary.js';
import { npyNumbers, readNpy } from './npy.js';
import { readProbeInterfaceJson } from './probeinterface.js';

export interface GroundTruthUnitInfo {
  index: number;
  unitId: string;
  numSpikes: number | null;
  firingRateHz: number | null;
  peakChannel: number | null;
  peakAmplitudeUv: number | null;
  snr: number | null;
  locationUm: number[] | null;
}

/** The typed subset of dataset.json that spikeforge uses; `raw` keeps the whole parsed file. */
export interface GroundTruthDatasetInfo {
  name: string;
  samplingFrequency: number;
  numChannels: number;
  numSamples: number;
  durationS: number;
  dtype: DType;
  gainToUv: number;
  offsetToUv: number;
  rawFile: string;
  rawFileByteOffset: number;
  channelIds: string[];
  probeFile: string | null;
  numGtUnits: number;
  numGtSpikes: number | null;
  spikeTimesFile: string;
  spikeLabelsFile: string;
  templatesFile: string | null;
  templateNBefore: number | null;
  driftType: string;
  noiseStdUv: number | null;
  seed: number | null;
  units: GroundTruthUnitInfo[];
  raw: Record<string, unknown>;
}

export interface GroundTruthDataset {
  dir: string;
  info: GroundTruthDatasetInfo;
  recording: BinaryRecording;
  groundTruth: Sorting;
  probe: ProbeGroup | null;
}

/** True when `dir` is a folder with a dataset.json (a shared ground-truth dataset). */
export function isGroundTruthDatasetDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && fs.statSync(path.join(dir, 'dataset.json')).isFile();
  } catch {
    return false;
  }
}

/** Parses and validates dataset.json text; `file` names it in errors. */
export function parseDatasetInfo(text: string, file: string): GroundTruthDatasetInfo {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}); a dataset description is a JSON object`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${file}: expected a JSON object`);
  const d = obj as Record<string, unknown>;
  const fail = (key: string, what: string): never => {
    throw new Error(`${file}: field "${key}" ${what}; fix dataset.json`);
  };
  const num = (key: string, { positive = false, integer = false, optional = false } = {}): number => {
    const v = d[key];
    if (v === undefined || v === null) {
      if (optional) return NaN;
      return fail(key, 'is missing');
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(key, `must be a number, got ${JSON.stringify(v)}`);
    if (positive && !(v > 0)) fail(key, `must be positive, got ${v}`);
    if (integer && !Number.isInteger(v)) fail(key, `must be an integer, got ${v}`);
    return v;
  };
  const str = (key: string, obj2: Record<string, unknown> = d): string => {
    const v = obj2[key];
    if (typeof v !== 'string' || v === '') return fail(key, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  const orNull = (x: number) => (Number.isNaN(x) ? null : x);

  const numChannels = num('num_channels', { positive: true, integer: true });
  const segs = d.num_segments ?? 1;
  if (segs !== 1) fail('num_segments', `is ${JSON.stringify(segs)}; only single-segment datasets are supported`);
  const channelIds = d.channel_ids ?? Array.from({ length: numChannels }, (_, i) => String(i));
  if (!Array.isArray(channelIds) || channelIds.length !== numChannels) {
    fail('channel_ids', `must list ${numChannels} ids (num_channels)`);
  }
  const gtFiles = (d.gt_files ?? {}) as Record<string, unknown>;
  if (typeof gtFiles !== 'object') fail('gt_files', 'must be an object');
  const unitsRaw = d.units;
  if (!Array.isArray(unitsRaw) || unitsRaw.length === 0) fail('units', 'must be a non-empty list of ground-truth units');
  const units = (unitsRaw as unknown[]).map((u, i): GroundTruthUnitInfo => {
    if (typeof u !== 'object' || u === null) return fail(`units[${i}]`, 'must be an object');
    const r = u as Record<string, unknown>;
    const n = (k: string) => (typeof r[k] === 'number' && Number.isFinite(r[k]) ? (r[k] as number) : null);
    const id = r.unit_id;
    if (typeof id !== 'string' && typeof id !== 'number') fail(`units[${i}].unit_id`, 'is missing');
    return {
      index: n('index') ?? i,
      unitId: String(id),
      numSpikes: n('num_spikes'),
      firingRateHz: n('firing_rate_hz'),
      peakChannel: n('peak_channel'),
      peakAmplitudeUv: n('peak_amplitude_uV'),
      snr: n('snr'),
      locationUm: Array.isArray(r.location_um) ? (r.location_um as number[]) : null,
    };
  });
  const numGtUnits = num('num_gt_units', { integer: true, optional: true });
  if (!Number.isNaN(numGtUnits) && numGtUnits !== units.length) fail('num_gt_units', `is ${numGtUnits} but "units" lists ${units.length}`);
  const drift = d.drift as Record<string, unknown> | undefined;
  const noise = d.noise as Record<string, unknown> | undefined;
  return {
    name: typeof d.name === 'string' ? d.name : path.basename(path.dirname(file)),
    samplingFrequency: num('sampling_frequency', { positive: true }),
    numChannels,
    numSamples: num('num_samples', { positive: true, integer: true }),
    durationS: orNull(num('duration_s', { optional: true })) ?? num('num_samples') / num('sampling_frequency'),
    dtype: parseDType(str('dtype'), `${file}: field "dtype"`),
    gainToUv: orNull(num('gain_to_uV', { optional: true })) ?? 1,
    offsetToUv: orNull(num('offset_to_uV', { optional: true })) ?? 0,
    rawFile: str('raw_file'),
    rawFileByteOffset: orNull(num('raw_file_byte_offset', { integer: true, optional: true })) ?? 0,
    channelIds: (channelIds as unknown[]).map(String),
    probeFile: typeof d.probe_file === 'string' ? d.probe_file : null,
    numGtUnits: units.length,
    numGtSpikes: orNull(num('num_gt_spikes', { integer: true, optional: true })),
    spikeTimesFile: typeof gtFiles.spike_times === 'string' ? gtFiles.spike_times : 'gt_spike_times.npy',
    spikeLabelsFile: typeof gtFiles.spike_labels === 'string' ? gtFiles.spike_labels : 'gt_spike_labels.npy',
    templatesFile: typeof gtFiles.templates === 'string' ? gtFiles.templates : null,
    templateNBefore: orNull(num('template_nbefore', { integer: true, optional: true })),
    driftType: drift && typeof drift.type === 'string' ? drift.type : 'none',
    noiseStdUv: noise && typeof noise.std_uV_spec === 'number' ? noise.std_uV_spec : null,
    seed: orNull(num('seed', { optional: true })),
    units,
    raw: d,
  };
}

/** Loads a ground-truth dataset folder: lazy recording (with probe) and the ground-truth sorting. */
export async function loadGroundTruthDataset(dir: string): Promise<GroundTruthDataset> {
  const file = path.join(dir, 'dataset.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e}): is ${dir} a ground-truth dataset folder?`);
  }
  const info = parseDatasetInfo(text, file);
  const probe = info.probeFile ? readProbeInterfaceJson(path.join(dir, info.probeFile)) : null;
  const recording = new BinaryRecording({
    files: [path.join(dir, info.rawFile)],
    samplingFrequency: info.samplingFrequency,
    numChannelsInFile: info.numChannels,
    dtype: info.dtype,
    byteOffset: info.rawFileByteOffset,
    channelIds: info.channelIds,
    gains: new Float64Array(info.numChannels).fill(info.gainToUv),
    offsets: new Float64Array(info.numChannels).fill(info.offsetToUv),
    numSamples: [info.numSamples],
    init: { probe, annotations: { dataset: info.name, is_filtered: info.raw.is_filtered === true } },
  });
  const groundTruth = readGroundTruthSorting(dir, info);
  return { dir, info, recording, groundTruth, probe };
}

/** Spike times + labels → Sorting; labels are unit indices (units[].index) or unit ids. */
function readGroundTruthSorting(dir: string, info: GroundTruthDatasetInfo): Sorting {
  const tFile = path.join(dir, info.spikeTimesFile);
  const lFile = path.join(dir, info.spikeLabelsFile);
  const times = npyNumbers(readNpy(tFile), tFile);
  const labels = npyNumbers(readNpy(lFile), lFile);
  if (times.length !== labels.length) {
    throw new Error(`${lFile}: ${labels.length} labels for ${times.length} spike times in ${info.spikeTimesFile}; the files must be parallel arrays`);
  }
  const byIndex = new Map(info.units.map((u, i) => [u.index, i]));
  const byId = new Map(info.units.map((u, i) => [u.unitId, i]));
  const unit = new Int32Array(labels.length);
  const sample = new Float64Array(times.length);
  for (let i = 0; i < labels.length; i++) {
    const u = byIndex.get(labels[i]) ?? byId.get(String(labels[i]));
    if (u === undefined) throw new Error(`${lFile}: spike ${i} has label ${labels[i]}, which is not a unit in dataset.json "units"`);
    unit[i] = u;
    const t = times[i];
    if (!Number.isInteger(t) || t < 0 || t >= info.numSamples) {
      throw new Error(`${tFile}: spike ${i} at sample ${t} is outside the recording (0..${info.numSamples - 1})`);
    }
    sample[i] = t;
  }
  if (info.numGtSpikes !== null && info.numGtSpikes !== times.length) {
    throw new Error(`${tFile}: holds ${times.length} spikes but dataset.json says num_gt_spikes = ${info.numGtSpikes}`);
  }
  const sorting = new Sorting(
    { sample, unit, segment: new Int32Array(times.length) },
    { samplingFrequency: info.samplingFrequency, unitIds: info.units.map((u) => u.unitId), numSamples: [info.numSamples] },
  );
  const snr = Float64Array.from(info.units, (u) => u.snr ?? NaN);
  sorting.properties.set('snr', snr);
  return sorting;
}
