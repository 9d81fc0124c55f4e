/**
 * Minimal ZIP archives for .npz: reads stored and deflated entries (zip64 included, CRC checked)
 * and writes stored or deflated archives below 4 GB.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '../core/checksum.js';

export { crc32 };

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  localHeaderOffset: number;
}


const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 4294967296;
}

/** Lists the entries of a ZIP archive from its central directory. */
export function listZipEntries(bytes: Uint8Array, where = 'zip archive'): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string): never => {
    throw new Error(`${where}: not a valid ZIP/.npz archive (${what}); the file may be truncated or of another format`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === SIG_EOCD64_LOCATOR) {
    const at = u64(dv, eocd - 20 + 8);
    if (at + 56 > bytes.length || dv.getUint32(at, true) !== SIG_EOCD64) bad('broken zip64 end record');
    count = u64(dv, at + 32);
    cdOffset = u64(dv, at + 48);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const dec = new TextDecoder('utf-8');
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== SIG_CENTRAL) bad(`central directory entry ${k} is missing`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extra field: 64-bit values present only for the fields saturated at 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(dv, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(dv, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(dv, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc32: crc, compressedSize, size, localHeaderOffset });
    p = eEnd + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry, CRC-checked. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, where = 'zip archive'): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || dv.getUint32(at, true) !== SIG_LOCAL) {
    throw new Error(`${where}: entry '${entry.name}' has no local header at offset ${at}; the archive is damaged`);
  }
  const start = at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new Error(`${where}: entry '${entry.name}' runs past the end of the file; the archive is truncated`);
  }
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) {
    try {
      out = new Uint8Array(zlib.inflateRawSync(raw));
    } catch (err) {
      throw new Error(`${where}: entry '${entry.name}' cannot be decompressed (${(err as Error).message}); the archive is damaged`);
    }
  } else {
    throw new Error(`${where}: entry '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported — re-save with np.savez or np.savez_compressed`);
  }
  if (out.length !== entry.size) {
    throw new Error(`${where}: entry '${entry.name}' has ${out.length} bytes, the directory says ${entry.size}; the archive is damaged`);
  }
  if (crc32(out) !== entry.crc32) throw new Error(`${where}: entry '${entry.name}' fails its CRC check; the archive is damaged`);
  return out;
}

/** All entries of an archive, by name. */
export function readZip(bytes: Uint8Array, where = 'zip archive'): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of listZipEntries(bytes, where)) out.set(e.name, readZipEntry(bytes, e, where));
  return out;
}

export interface ZipFileInput {
  name: string;
  data: Uint8Array;
}

/** A ZIP archive of the given files (deflated when `compress`), without zip64: < 4 GB and < 65,535 entries. */
export function zipBytes(files: ZipFileInput[], opts: { compress?: boolean; where?: string } = {}): Uint8Array {
  const where = opts.where ?? 'zip archive';
  if (files.length > 0xffff) throw new Error(`${where}: ${files.length} entries is more than a ZIP without zip64 holds (65,535)`);
  const enc = new TextEncoder();
  const { time, date } = dosDateTime(new Date());
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const utf8Flag = /[^\x00-\x7f]/.test(f.name) ? 0x0800 : 0;
    const body = opts.compress ? new Uint8Array(zlib.deflateRawSync(f.data)) : f.data;
    const crc = crc32(f.data);
    if (f.data.length > 0xfffffffe || offset + body.length > 0xfffffffe) {
      throw new Error(`${where}: archive would exceed 4 GB; zip64 writing is not supported — save large arrays as separate .npy files`);
    }
    const method = opts.compress ? 8 : 0;
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, SIG_LOCAL, true);
    l.setUint16(4, 20, true);
    l.setUint16(6, utf8Flag, true);
    l.setUint16(8, method, true);
    l.setUint16(10, time, true);
    l.setUint16(12, date, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, f.data.length, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, SIG_CENTRAL, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, utf8Flag, true);
    c.setUint16(10, method, true);
    c.setUint16(12, time, true);
    c.setUint16(14, date, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, body.length, true);
    c.setUint32(24, f.data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(38, 0o100644 * 65536, true); // external attributes: a regular file, rw-r--r--
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    locals.push(lh, body);
    centrals.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = centrals.reduce((a, b) => a + b.length, 0);
  const end = new Uint8Array(22);
  const d = new DataView(end.buffer);
  d.setUint32(0, SIG_EOCD, true);
  d.setUint16(8, files.length, true);
  d.setUint16(10, files.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function dosDateTime(t: Date): { time: number; date: number } {
  const year = Math.max(1980, t.getFullYear());
  return {
    time: (t.getHours() << 11) | (t.getMinutes() << 5) | (t.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate(),
  };
}
