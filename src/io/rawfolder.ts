/**
 * A folder of headerless raw files described by an info.json (the layout tridesclous datasets use):
 * {"sample_rate": 15000, "dtype": "int16", "shape": [-1, 4]} plus one *.raw file per segment (trial),
 * in name order, all with the same channel count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDType } from '../core/dtypes.js';
import { BinaryRecording } from './binary.js';

interface RawFolderInfo {
  sampleRate: number;
  dtype: string;
  numChannels: number;
  files: string[];
}

function readInfo(dir: string): RawFolderInfo | null {
  const file = path.join(dir, 'info.json');
  if (!fs.existsSync(file)) return null;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!('sample_rate' in j) || !('dtype' in j) || !('shape' in j)) return null;
  const shape = j.shape as unknown[];
  const files = fs.readdirSync(dir).filter((n) => /\.(raw|bin|dat)$/i.test(n)).sort();
  if (!Array.isArray(shape) || shape.length !== 2 || files.length === 0) return null;
  return { sampleRate: Number(j.sample_rate), dtype: String(j.dtype), numChannels: Number(shape[1]), files: files.map((f) => path.join(dir, f)) };
}

export function isRawFolder(dir: string): boolean {
  return fs.statSync(dir).isDirectory() && readInfo(dir) !== null;
}

export function openRawFolder(dir: string): BinaryRecording {
  const info = readInfo(dir);
  if (!info) throw new Error(`${dir}: not a raw folder: expected info.json with sample_rate, dtype and shape [-1, channels] beside .raw files`);
  const where = path.join(dir, 'info.json');
  if (!(info.sampleRate > 0)) throw new Error(`${where}: sample_rate must be a positive number`);
  if (!Number.isInteger(info.numChannels) || info.numChannels < 1) throw new Error(`${where}: shape[1] must be the number of channels (a positive integer)`);
  return new BinaryRecording({
    files: info.files,
    samplingFrequency: info.sampleRate,
    numChannelsInFile: info.numChannels,
    dtype: parseDType(info.dtype, `${where}: dtype`),
  });
}
