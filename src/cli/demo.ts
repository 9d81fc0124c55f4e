/**
 * `spikeforge demo`: the end-to-end tour on a fresh machine. Generates a ground-truth recording,
 * saves it as a SpikeInterface binary folder, sorts it, writes a Phy folder and prints the score.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { cliReporter, out } from './common.js';
import { generateGroundTruth } from '../core/generator.js';
import { writeSpikeInterfaceFolder, readSpikeInterfaceFolder } from '../io/siFolder.js';
import { writeNumpySortingFolder } from '../io/siSorting.js';
import { sort } from '../sorter/sort.js';
import { writeSortOutput } from '../sorter/export.js';
import { compareSortingToGroundTruth, formatComparisonTable } from '../comparison/groundtruth.js';
import { parsePositiveFloat, parsePositiveInt } from './main.js';

interface DemoOptions {
  out?: string;
  channels: number;
  duration: number;
  units: number;
  seed: string;
  quiet?: boolean;
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a small ground-truth recording, sort it, write a Phy folder and print the ground-truth score')
    .option('--out <dir>', 'folder for the demo files (default: a new folder in the system temp dir)')
    .option('--channels <n>', 'channels of the generated probe', parsePositiveInt, 32)
    .option('--duration <s>', 'seconds of recording', parsePositiveFloat, 30)
    .option('--units <n>', 'ground-truth units', parsePositiveInt, 12)
    .option('--seed <n>', 'generator seed', '42')
    .option('--quiet', 'no progress output')
    .action(async (o: DemoOptions) => {
      const reporter = cliReporter({ quiet: o.quiet });
      const dir = o.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'spikeforge-demo-'));
      fs.mkdirSync(dir, { recursive: true });
      const recDir = path.join(dir, 'recording');
      const gtDir = path.join(dir, 'ground_truth');
      const sortDir = path.join(dir, 'sorted');

      reporter.log('info', `generating ${o.duration} s of ${o.channels}-channel recording with ${o.units} units...`);
      const gt = generateGroundTruth({ seed: Number(o.seed), numChannels: o.channels, durationS: o.duration, numUnits: o.units, layout: o.channels <= 4 ? 'tetrode' : 'neuropixels-like' });
      await writeSpikeInterfaceFolder(gt.recording, recDir, { reporter, overwrite: true });
      await writeNumpySortingFolder(gt.sorting, gtDir, { overwrite: true });

      // Sort what is on disk, as a user would.
      const recording = readSpikeInterfaceFolder(recDir);
      const result = await sort(recording, { reporter, seed: 0 });
      await writeSortOutput(sortDir, recording, result, { overwrite: true, reporter });

      const cmp = compareSortingToGroundTruth(gt.sorting, result.sorting);
      out(formatComparisonTable(cmp));
      out('');
      out(`recording:    ${recDir} (SpikeInterface binary folder)`);
      out(`ground truth: ${gtDir}`);
      out(`sorted:       ${sortDir} (Phy folder; open with: phy template-gui ${sortDir}/params.py)`);
      out(`score:        ${cmp.summary.numWellDetected}/${gt.sorting.numUnits} ground-truth units well detected (accuracy ≥ 0.8), ${result.summary.numUnits} units found`);
    });
}
