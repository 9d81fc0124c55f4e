/** The spikeforge command line: one file per command, each thin (parse → call the API → print). */
import { Command, Option } from 'commander';
import { infoCommand } from './info.js';
import { convertCommand } from './convert.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { sortCommand } from './sort.js';
import { VERSION } from '../version.js';
import { installBestKernels } from '../kernels/wasmnode.js';

/** Options shared by every command that opens a recording. */
export function addRecordingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <name>', 'force the input format instead of detecting it'))
    .addOption(new Option('--stream <name>', 'stream to read from a multi-stream file (see `spikeforge info`)'))
    .addOption(new Option('--channels <n>', 'raw binary: number of channels in the file').argParser(parsePositiveInt))
    .addOption(new Option('--fs <hz>', 'raw binary: sampling frequency in Hz').argParser(parsePositiveFloat))
    .addOption(new Option('--dtype <type>', 'raw binary: sample type (int16, uint16, int32, float32, ...)'))
    .addOption(new Option('--offset <bytes>', 'raw binary: header bytes before the samples').argParser(parseNonNegativeInt))
    .addOption(new Option('--gain <uV>', 'raw binary: µV per bit').argParser(parsePositiveFloat))
    .addOption(new Option('--probe <file>', 'probe file to attach (probeinterface .json, .prb, Kilosort chanMap .mat, Neuropixels .imro)'))
    .addOption(new Option('--imro <file>', 'with a Neuropixels catalogue .json as --probe: the IMRO table of the recorded sites'));
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`'${v}' is not a positive integer`);
  return n;
}

export function parseNonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`'${v}' is not a non-negative integer`);
  return n;
}

export function parsePositiveFloat(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`'${v}' is not a positive number`);
  return n;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('spikeforge')
    .description('Spike sorting in TypeScript: read lab formats, sort, compare to ground truth, write Phy folders.')
    .version(VERSION)
    .showHelpAfterError();
  infoCommand(program);
  convertCommand(program);
  compareCommand(program);
  sortCommand(program);
  demoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  installBestKernels();
  await buildProgram().parseAsync(argv);
}
