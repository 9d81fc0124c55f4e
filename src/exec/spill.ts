/**
 * A Float32Sink that spills what it receives to a temporary file instead of holding the pieces in
 * memory: a pass over an hours-long recording appends per-chunk values (e.g. 192 bytes of PC
 * features per matched spike), and collect() then reads them back into one exact-size array, so
 * memory never holds the pieces and their concatenation at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Float32Sink } from '../sortingcomponents/matchpass.js';
import { removeStaleTempEntries } from './stale.js';

const FILE_PREFIX = 'spikeforge-spill-';

export interface SpillSink extends Float32Sink {
  /** Closes and removes the file (safe to call twice; collect() calls it). */
  dispose(): void;
  readonly path: string;
}

/** Opens a new spill file in `tempDir` (default os.tmpdir()). */
export function spillFloat32Sink(tempDir?: string): SpillSink {
  const parent = path.resolve(tempDir || os.tmpdir());
  if (!fs.existsSync(parent)) throw new Error(`${parent}: the temporary folder for spilled spike features does not exist: create it or choose another (execution.tempDir)`);
  removeStaleTempEntries(parent, FILE_PREFIX);
  const file = path.join(parent, `${FILE_PREFIX}${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.f32`);
  let fd: number | null = fs.openSync(file, 'wx+');
  let length = 0;
  const dispose = () => {
    if (fd === null) return;
    fs.closeSync(fd);
    fd = null;
    fs.rmSync(file, { force: true });
  };
  const openFd = (what: string): number => {
    if (fd === null) throw new Error(`${file}: spill file already ${what === 'append' ? 'collected or disposed: nothing more can be appended' : 'collected or disposed'}`);
    return fd;
  };
  return {
    path: file,
    get length() {
      return length;
    },
    append(values: Float32Array) {
      const f = openFd('append');
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(f, bytes, done, bytes.length - done, length * 4 + done);
      length += values.length;
    },
    collect() {
      const f = openFd('collect');
      try {
        const out = new Float32Array(length);
        const bytes = new Uint8Array(out.buffer);
        for (let done = 0; done < bytes.length; ) {
          const n = fs.readSync(f, bytes, done, bytes.length - done, done);
          if (n <= 0) throw new Error(`${file}: spill file ended after ${done} of ${bytes.length} bytes (was it removed or truncated while the sort ran?)`);
          done += n;
        }
        return out;
      } finally {
        dispose();
      }
    },
    dispose,
  };
}
