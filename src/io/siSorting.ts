/**
 * SpikeInterface NumpyFolderSorting folders (sorting.save(format='numpy_folder'), SpikeInterface 0.104):
 * spikes.npy (structured sample_index/unit_index/segment_index, int64) + numpysorting_info.json +
 * si_folder.json + properties/*.npy (one value, or row, per unit).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Sorting } from '../core/sorting.js';
import { withAtomicDir, writeFileAtomic } from './atomic.js';
import { NpyArray, readNpy, writeNpy } from './npy.js';
import { SI_LAYOUT_VERSION, readSiProperties, writeSiProperties } from './siFolder.js';

function readJsonObject(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found; is this a SpikeInterface numpy_folder sorting?`);
  const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8').replace(/\bNaN\b/g, 'null'));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function spikeField(arr: NpyArray, name: string, file: string): Float64Array {
  const f = arr.fields?.[name];
  if (!f || Array.isArray(f)) {
    throw new Error(`${file}: expected a structured array with field '${name}' (SpikeInterface spike vector), found dtype ${arr.descr}`);
  }
  return f instanceof Float64Array ? f : Float64Array.from(f);
}

/** Reads a SpikeInterface numpy_folder sorting. */
export function readNumpySortingFolder(dir: string): Sorting {
  const infoFile = path.join(dir, 'numpysorting_info.json');
  const info = readJsonObject(infoFile);
  const fs_ = Number(info.sampling_frequency);
  if (!(fs_ > 0)) throw new Error(`${infoFile}: "sampling_frequency" must be a positive number`);
  if (!Array.isArray(info.unit_ids)) throw new Error(`${infoFile}: "unit_ids" must be a list`);
  const unitIds = info.unit_ids.map(String);
  const numSegments = Number(info.num_segments ?? 1);
  if (!Number.isInteger(numSegments) || numSegments < 1) throw new Error(`${infoFile}: "num_segments" must be a positive integer`);
  const spikesFile = path.join(dir, 'spikes.npy');
  const arr = readNpy(spikesFile);
  const sample = spikeField(arr, 'sample_index', spikesFile);
  const unit = spikeField(arr, 'unit_index', spikesFile);
  const segment = spikeField(arr, 'segment_index', spikesFile);
  for (let i = 0; i < unit.length; i++) {
    if (unit[i] < 0 || unit[i] >= unitIds.length) {
      throw new Error(`${spikesFile}: spike ${i} has unit_index ${unit[i]}, but ${infoFile} lists ${unitIds.length} units`);
    }
    if (segment[i] < 0 || segment[i] >= numSegments) {
      throw new Error(`${spikesFile}: spike ${i} has segment_index ${segment[i]}, but ${infoFile} says num_segments=${numSegments}`);
    }
  }
  const { values: properties } = readSiProperties(dir);
  for (const [k, v] of properties) {
    if (unitIds.length > 0 && v.length % unitIds.length !== 0) {
      throw new Error(`${path.join(dir, 'properties', k + '.npy')}: ${v.length} values is not a multiple of ${unitIds.length} units`);
    }
  }
  let annotations: Record<string, unknown> = {};
  const siFile = path.join(dir, 'si_folder.json');
  if (fs.existsSync(siFile)) annotations = (readJsonObject(siFile).annotations as Record<string, unknown>) ?? {};
  return new Sorting(
    { sample, unit: Int32Array.from(unit), segment: Int32Array.from(segment) },
    { samplingFrequency: fs_, unitIds, numSegments, properties, annotations },
  );
}

/** Writes a sorting as a SpikeInterface numpy_folder, atomically. */
export async function writeNumpySortingFolder(sorting: Sorting, dir: string, opts: { overwrite?: boolean } = {}): Promise<void> {
  await withAtomicDir(dir, (tmp) => {
    writeNpy(path.join(tmp, 'spikes.npy'), {
      fields: { sample_index: sorting.spikes.sample, unit_index: sorting.spikes.unit, segment_index: sorting.spikes.segment },
      fieldDTypes: { sample_index: 'int64', unit_index: 'int64', segment_index: 'int64' },
    });
    const info = { sampling_frequency: sorting.samplingFrequency, unit_ids: [...sorting.unitIds], num_segments: sorting.numSegments };
    // Python's json.dumps layout, as SpikeInterface writes this file.
    writeFileAtomic(path.join(tmp, 'numpysorting_info.json'), pythonJsonDumps(info));
    const si = {
      class: 'spikeinterface.core.sortingfolder.NumpyFolderSorting',
      module: 'spikeinterface',
      version: SI_LAYOUT_VERSION,
      kwargs: { folder_path: '.' },
      annotations: sorting.annotations,
      properties: {},
      relative_paths: true,
    };
    writeFileAtomic(path.join(tmp, 'si_folder.json'), JSON.stringify(si, null, 4));
    writeSiProperties(tmp, sorting.properties, sorting.numUnits);
  }, opts);
}

/** JSON with Python's json.dumps separators (', ' and ': '), matching the files SpikeInterface writes. */
function pythonJsonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJsonDumps(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}
