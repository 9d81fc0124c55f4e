/**
 * Per-spike values that grow with the recording (192 bytes of PC features per matched spike) kept in
 * a temporary file instead of memory: a pass appends them chunk by chunk, and the consumers read the
 * rows they need, so memory is bounded by what one read asks for, not by the recording's duration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Float32Sink } from '../sortingcomponents/matchpass.js';
import { removeStaleTempEntries } from './stale.js';

const FILE_PREFIX = 'spikeforge-spill-';

/** Rows of `rowLength` float32 values, wherever they are stored. */
export interface Float32Rows {
  readonly numRows: number;
  readonly rowLength: number;
  /** Rows rows[0], rows[1], … one after another in `out` (default a new array); runs of consecutive rows are read together. */
  read(rows: ArrayLike<number>, out?: Float32Array): Float32Array;
  /** Rows start..end-1. */
  readRange(start: number, end: number, out?: Float32Array): Float32Array;
  /** Frees the storage (closes and removes the file); safe to call twice. */
  dispose(): void;
}

export interface SpillSink extends Float32Sink {
  /** Closes and removes the file (safe to call twice; collect() calls it). */
  dispose(): void;
  readonly path: string;
}

/** Rows held in one array (tests, and sinks that never spill). */
export function float32RowsInMemory(data: Float32Array, rowLength: number): Float32Rows {
  const numRows = rowLength > 0 ? data.length / rowLength : 0;
  if (!Number.isInteger(numRows)) throw new Error(`${data.length} values are not whole rows of ${rowLength}`);
  return rowReader(numRows, rowLength, (row, count, into, at) => into.set(data.subarray(row * rowLength, (row + count) * rowLength), at), () => undefined);
}

/** Rows one read of a span may cover: bounds its scratch buffer (3 MB for 48-value rows). */
const SPAN_ROWS = 16384;

/**
 * The shared part of both kinds of rows: checks the request, and reads each run of consecutive rows
 * with one call of `readRun(row, count, into, atValue)`. With `spans`, rows that lie close together but
 * out of order (a chunk's spikes sorted by time) are read as their whole span at once and picked from
 * it, instead of one small read each.
 */
function rowReader(numRows: number, rowLength: number, readRun: (row: number, count: number, into: Float32Array, at: number) => void, dispose: () => void, spans = false): Float32Rows {
  const check = (row: number) => {
    if (!Number.isInteger(row) || row < 0 || row >= numRows) throw new Error(`row ${row} is outside 0..${numRows - 1}`);
  };
  const output = (n: number, out?: Float32Array): Float32Array => {
    if (out && out.length < n * rowLength) throw new Error(`an output of ${out.length} values cannot hold ${n} rows of ${rowLength}`);
    return out ?? new Float32Array(n * rowLength);
  };
  let scratch: Float32Array | null = null;
  const readRuns = (rows: ArrayLike<number>, from: number, to: number, dst: Float32Array) => {
    for (let j = from; j < to; ) {
      check(rows[j]);
      let run = 1;
      while (j + run < to && rows[j + run] === rows[j] + run) run++;
      check(rows[j] + run - 1);
      readRun(rows[j], run, dst, j * rowLength);
      j += run;
    }
  };
  return {
    numRows,
    rowLength,
    read(rows, out) {
      const dst = output(rows.length, out);
      for (let j = 0; j < rows.length; ) {
        let lo = rows[j];
        let hi = rows[j];
        let k = j + 1;
        while (spans && k < rows.length && Math.max(hi, rows[k]) - Math.min(lo, rows[k]) < SPAN_ROWS) {
          lo = Math.min(lo, rows[k]);
          hi = Math.max(hi, rows[k]);
          k++;
        }
        // A span is worth reading whole when the rows asked for fill a quarter of it.
        if (k - j > 1 && 4 * (k - j) >= hi - lo + 1) {
          for (let q = j; q < k; q++) check(rows[q]);
          scratch ??= new Float32Array(SPAN_ROWS * rowLength);
          readRun(lo, hi - lo + 1, scratch, 0);
          for (let q = j; q < k; q++) dst.set(scratch.subarray((rows[q] - lo) * rowLength, (rows[q] - lo + 1) * rowLength), q * rowLength);
        } else readRuns(rows, j, k, dst);
        j = k;
      }
      return dst;
    },
    readRange(start, end, out) {
      const dst = output(end - start, out);
      if (end > start) {
        check(start);
        check(end - 1);
        readRun(start, end - start, dst, 0);
      }
      return dst;
    },
    dispose: () => {
      scratch = null;
      dispose();
    },
  };
}

/** Files whose rows were handed out and dropped without dispose(): closed when collected, not at process end. */
const unreleased = new FinalizationRegistry<() => void>((release) => release());

/**
 * Opens a new spill file in `tempDir` (default os.tmpdir()). The file is unlinked at once where the
 * system allows it (it lives on through the open descriptor), so no path — a crash or a caller that
 * never disposes included — leaves it on disk.
 */
export function spillFloat32Sink(tempDir?: string): SpillSink {
  const parent = path.resolve(tempDir || os.tmpdir());
  if (!fs.existsSync(parent)) throw new Error(`${parent}: the temporary folder for spilled spike features does not exist: create it or choose another (execution.tempDir)`);
  removeStaleTempEntries(parent, FILE_PREFIX);
  const file = path.join(parent, `${FILE_PREFIX}${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.f32`);
  let fd: number | null = fs.openSync(file, 'wx+');
  let linked = true;
  try {
    fs.rmSync(file);
    linked = false;
  } catch {
    // Systems that cannot remove an open file: removed by dispose() instead.
  }
  let length = 0;
  let spent = false;
  const dispose = () => {
    if (fd === null) return;
    fs.closeSync(fd);
    fd = null;
    if (linked) fs.rmSync(file, { force: true });
  };
  const openFd = (): number => {
    if (fd === null || spent) throw new Error(`${file}: spill file already collected or disposed: nothing more can be appended or read`);
    return fd;
  };
  const readBytes = (f: number, into: Uint8Array, position: number) => {
    for (let done = 0; done < into.length; ) {
      const n = fs.readSync(f, into, done, into.length - done, position + done);
      if (n <= 0) throw new Error(`${file}: spill file ended after ${position + done} bytes of ${position + into.length} (was it truncated while the sort ran?)`);
      done += n;
    }
  };
  return {
    path: file,
    get length() {
      return length;
    },
    append(values: Float32Array) {
      const f = openFd();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(f, bytes, done, bytes.length - done, length * 4 + done);
      length += values.length;
    },
    collect() {
      const f = openFd();
      try {
        const out = new Float32Array(length);
        readBytes(f, new Uint8Array(out.buffer), 0);
        return out;
      } finally {
        dispose();
      }
    },
    rows(rowLength: number) {
      const f = openFd();
      spent = true;
      const numRows = rowLength > 0 ? length / rowLength : 0;
      if (!Number.isInteger(numRows)) {
        dispose();
        throw new Error(`${file}: ${length} values are not whole rows of ${rowLength}`);
      }
      const rows = rowReader(numRows, rowLength, (row, count, into, at) => {
        if (fd === null) throw new Error(`${file}: the spilled rows were disposed`);
        readBytes(f, new Uint8Array(into.buffer, into.byteOffset + at * 4, count * rowLength * 4), row * rowLength * 4);
      }, () => {
        unreleased.unregister(rows);
        dispose();
      }, true);
      unreleased.register(rows, dispose, rows);
      return rows;
    },
    dispose,
  };
}
