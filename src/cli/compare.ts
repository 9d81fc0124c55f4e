/** `spikeforge compare <ground-truth> <sorted>`: score a sorting against ground truth as the field does. */
import type { Command } from 'commander';
import { openSorting } from '../io/opensorting.js';
import { compareSortingToGroundTruth, formatComparisonTable } from '../comparison/groundtruth.js';
import { out } from './common.js';

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare a sorting to ground truth: 0.4 ms matching, Hungarian unit assignment, accuracy = tp/(tp+fn+fp)')
    .argument('<ground-truth>', 'ground-truth dataset folder, SpikeInterface sorting folder or Phy folder')
    .argument('<sorted>', 'sorting to score: Phy folder (e.g. a spikeforge sort output), SpikeInterface sorting folder, ...')
    .option('--delta-ms <ms>', 'spike matching window', '0.4')
    .option('--well-detected <score>', 'accuracy at or above which a unit counts as well detected', '0.8')
    .option('--exclude-noise', "drop units labelled 'noise' in a Phy folder before scoring")
    .option('--json', 'print JSON')
    .action(async (gtPath: string, sortedPath: string, o: { deltaMs: string; wellDetected: string; excludeNoise?: boolean; json?: boolean }) => {
      const gt = await openSorting(gtPath);
      const tested = await openSorting(sortedPath, { excludeGroups: o.excludeNoise ? ['noise'] : [] });
      if (gt.samplingFrequency !== tested.samplingFrequency) {
        throw new Error(`${sortedPath}: sampled at ${tested.samplingFrequency} Hz but the ground truth at ${gt.samplingFrequency} Hz: compare sortings of the same recording`);
      }
      const result = compareSortingToGroundTruth(gt, tested, { deltaMs: Number(o.deltaMs), wellDetectedScore: Number(o.wellDetected) });
      out(o.json ? JSON.stringify(result, null, 2) : formatComparisonTable(result));
    });
}
