/** The motion outputs of a sort folder: motion.npz and drift_map.png, written atomically. */
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { writeFileAtomic } from '../io/atomic.js';
import { DriftMapPeaks, driftMapPng } from '../viz/driftmap.js';
import type { Motion } from './motion.js';
import { saveMotionNpz } from './motionio.js';

export function writeMotionOutputs(outDir: string, motion: Motion, peaks: DriftMapPeaks): { motionFile: string; driftMapFile: string } {
  const motionFile = path.join(outDir, 'motion.npz');
  const driftMapFile = path.join(outDir, 'drift_map.png');
  saveMotionNpz(motionFile, motion);
  writeFileAtomic(driftMapFile, driftMapPng(peaks, motion, {}, (raw) => zlib.deflateSync(raw)));
  return { motionFile, driftMapFile };
}
