/** `spikeforge convert <in> <out>`: recordings to a SpikeInterface binary folder; sortings between Phy and SpikeInterface folders. */
import type { Command } from 'commander';
import { addRecordingOptions } from './main.js';
import { cliReporter, openRecordingFromCli, out, RecordingCliOptions } from './common.js';
import { writeSpikeInterfaceFolder } from '../io/siFolder.js';
import { writeNumpySortingFolder } from '../io/siSorting.js';
import { detectSortingKind, openSorting } from '../io/opensorting.js';
import { parseDType } from '../core/dtypes.js';

function isSortingInput(p: string): boolean {
  try {
    detectSortingKind(p);
    return true;
  } catch {
    return false;
  }
}

export function convertCommand(program: Command): void {
  addRecordingOptions(
    program
      .command('convert')
      .description('convert a recording (any format) to a SpikeInterface binary folder, or a sorting (Phy, dataset) to a SpikeInterface sorting folder')
      .argument('<in>', 'recording or sorting')
      .argument('<out>', 'output folder (must not exist unless --overwrite)')
      .option('--out-dtype <type>', 'sample type of the written recording (default: the input dtype)')
      .option('--overwrite', 'replace an existing output folder')
      .option('--quiet', 'no progress output'),
  ).action(async (input: string, output: string, o: RecordingCliOptions & { outDtype?: string; overwrite?: boolean; quiet?: boolean }) => {
    const reporter = cliReporter({ quiet: o.quiet });
    if (!o.format && isSortingInput(input) && detectSortingKind(input) !== 'dataset') {
      const sorting = await openSorting(input);
      await writeNumpySortingFolder(sorting, output, { overwrite: o.overwrite });
      out(`wrote SpikeInterface sorting folder ${output}: ${sorting.numUnits} units, ${sorting.numSpikes} spikes`);
      return;
    }
    const rec = await openRecordingFromCli(input, o);
    await writeSpikeInterfaceFolder(rec, output, {
      dtype: o.outDtype ? parseDType(o.outDtype, '--out-dtype') : undefined,
      overwrite: o.overwrite,
      reporter,
    });
    out(`wrote SpikeInterface binary folder ${output}: ${rec.numChannels} channels, ${rec.getDuration().toFixed(3)} s`);
  });
}
