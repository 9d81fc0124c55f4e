/**
 * Random-access byte reading, the only place readers touch the file system for sample data.
 * A browser build swaps FileByteSource for a Blob/FileReaderSync source with the same interface.
 */
import * as fs from 'node:fs';

export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` (throws naming the file when they are not there). */
  read(offset: number, length: number): Uint8Array;
  /** Reads exactly `target.length` bytes at `offset` into target (no new array: for readers that reuse a buffer). */
  readInto?(offset: number, target: Uint8Array): Uint8Array;
  close(): void;
}

/** A file opened read-only; bytes are read on demand with positioned reads. */
export class FileByteSource implements ByteSource {
  readonly size: number;
  private fd: number | null;

  constructor(readonly name: string) {
    try {
      this.fd = fs.openSync(name, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${name}: file not found`);
      if (code === 'EISDIR') throw new Error(`${name}: is a folder, expected a file`);
      throw new Error(`${name}: cannot open for reading (${code ?? String(e)})`);
    }
    this.size = fs.fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    return this.readInto(offset, new Uint8Array(length));
  }

  readInto(offset: number, out: Uint8Array): Uint8Array {
    const length = out.length;
    if (this.fd === null) throw new Error(`${this.name}: read after close`);
    if (offset < 0 || offset + length > this.size) {
      throw new Error(`${this.name}: read of ${length} bytes at offset ${offset} runs past the end of the file (${this.size} bytes); the file may be truncated`);
    }
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`${this.name}: unexpected end of file at byte ${offset + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** Bytes already in memory (tests, browser uploads). */
export class MemoryByteSource implements ByteSource {
  readonly size: number;
  constructor(readonly name: string, private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.size) {
      throw new Error(`${this.name}: read of ${length} bytes at offset ${offset} runs past the end (${this.size} bytes)`);
    }
    return this.bytes.subarray(offset, offset + length);
  }
  readInto(offset: number, target: Uint8Array): Uint8Array {
    target.set(this.read(offset, target.length));
    return target;
  }
  close(): void {}
}

export function formatBytes(n: number): string {
  return n.toLocaleString('en-US');
}
