/** Helpers shared by CLI commands: open inputs from options, print, report. */
import type { Recording } from '../core/recording.js';
import { openRecording } from '../io/open.js';
import { consoleReporter, Reporter } from '../exec/reporter.js';
import { parseDType } from '../core/dtypes.js';

export interface RecordingCliOptions {
  format?: string;
  stream?: string;
  channels?: number;
  fs?: number;
  dtype?: string;
  offset?: number;
  gain?: number;
  probe?: string;
  imro?: string;
}

export async function openRecordingFromCli(input: string, o: RecordingCliOptions): Promise<Recording> {
  const rec: Recording = await openRecording(input, {
    format: o.format,
    stream: o.stream,
    channels: o.channels,
    fs: o.fs,
    dtype: o.dtype ? parseDType(o.dtype, '--dtype') : undefined,
    byteOffset: o.offset,
    gainToUv: o.gain,
    probe: o.probe,
    imro: o.imro,
  });
  return rec;
}

export function cliReporter(opts: { quiet?: boolean; verbose?: boolean } = {}): Reporter {
  return consoleReporter({ stream: process.stderr, quiet: opts.quiet, verbose: opts.verbose });
}

/** stdout is the command's result; everything else (progress, logs) goes to stderr through the reporter. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
