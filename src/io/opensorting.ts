/**
 * Opens a sorting from a path, detecting its kind: a Phy/Kilosort folder, a SpikeInterface numpy
 * sorting folder, a spikeforge sort output folder, or a shared ground-truth dataset folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sorting } from '../core/sorting.js';
import { readNumpySortingFolder } from './siSorting.js';
import { sortingFromPhyFolder } from './phy.js';
import { isGroundTruthDatasetDir, loadGroundTruthDataset } from './dataset.js';

export type SortingKind = 'phy' | 'spikeinterface' | 'dataset';

export function detectSortingKind(p: string): SortingKind {
  if (!fs.existsSync(p)) throw new Error(`${p}: no such file or folder`);
  if (!fs.statSync(p).isDirectory()) {
    throw new Error(`${p}: expected a folder (Phy output, SpikeInterface sorting folder or ground-truth dataset)`);
  }
  if (isGroundTruthDatasetDir(p)) return 'dataset';
  if (fs.existsSync(path.join(p, 'spike_times.npy'))) return 'phy';
  if (fs.existsSync(path.join(p, 'numpysorting_info.json')) || fs.existsSync(path.join(p, 'spikes.npy'))) return 'spikeinterface';
  throw new Error(
    `${p}: not a sorting folder: expected spike_times.npy (Phy/Kilosort), numpysorting_info.json + spikes.npy (SpikeInterface) or dataset.json (ground-truth dataset)`,
  );
}

export async function openSorting(p: string, opts: { excludeGroups?: string[] } = {}): Promise<Sorting> {
  switch (detectSortingKind(p)) {
    case 'dataset':
      return (await loadGroundTruthDataset(p)).groundTruth;
    case 'phy':
      return sortingFromPhyFolder(p, { excludeGroups: opts.excludeGroups });
    case 'spikeinterface':
      return readNumpySortingFolder(p);
  }
}
