/**
 * Axona DacqUSB raw recordings (.bin + .set). Only the .set settings are read so far; sample reading
 * (432-byte packets with Axona's channel remapping) is not supported yet.
 */
import * as fs from 'node:fs';

/** Parses the 'key value' lines of an Axona .set file. */
export function readAxonaSet(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'latin1').split(/\r?\n/)) {
    const m = /^(\S+)\s?(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

export function isAxona(p: string): boolean {
  return /\.bin$/i.test(p) && fs.existsSync(p.replace(/\.bin$/i, '.set'));
}

export function axonaUnsupported(p: string): string {
  const set = readAxonaSet(p.replace(/\.bin$/i, '.set'));
  return `${p}: Axona raw recordings are not supported yet (settings read: version ${set.sw_version ?? '?'}, duration ${set.duration ?? '?'} s). Convert to a raw binary or NWB, or open the .bin with --format raw if you know its layout`;
}
