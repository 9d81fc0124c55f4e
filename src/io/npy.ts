/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0): numeric, bool, float16, unicode/bytes strings and
 * structured (record) arrays, either byte order, C or Fortran order. Data always comes back in C order.
 * int64/uint64 are read into Float64Array (exact up to 2^53; larger values are an error).
 */
import * as fs from 'node:fs';
import { DType, DTYPE_BYTES, NumericArray, dtypeOf, viewAs } from '../core/dtypes.js';
import type { Float32Rows } from '../exec/spill.js';
import { writeFileAtomic, writeFileAtomicBy } from './atomic.js';
import { PyDict, parsePyLiteral, pyStringRepr } from './pyliteral.js';

export type NpyDType = DType | 'int64' | 'uint64' | 'bool' | 'float16' | 'unicode' | 'bytes' | 'structured';
/** Numbers for numeric/bool dtypes; strings for unicode/bytes. */
export type NpyData = NumericArray | string[];

export interface NpyFieldInfo {
  name: string;
  dtype: NpyDType;
  /** numpy descr of the field, e.g. '<i8' or '<U10'. */
  descr: string;
  /** Sub-array shape of the field per record ([] for scalars); values are stored flat. */
  shape: number[];
}

export interface NpyArray {
  /** numpy descr as written in the file: '<f4', '|b1', or the repr of a structured list. */
  descr: string;
  dtype: NpyDType;
  shape: number[];
  /** Values in C order. For structured arrays: the raw little-endian record bytes. */
  data: NpyData;
  /** How the file stored the data; `data` is always C order. */
  fortranOrder: boolean;
  /** Per-field values of a structured array (each field's sub-array flattened per record). */
  fields?: Record<string, NpyData>;
  fieldInfo?: NpyFieldInfo[];
}

export interface NpyHeader {
  version: string;
  descr: string;
  dtype: NpyDType;
  shape: number[];
  fortranOrder: boolean;
  itemSize: number;
  bigEndian: boolean;
  fieldInfo?: NpyFieldInfo[];
  /** Byte offset of the data in the file. */
  dataOffset: number;
  /** Number of elements (product of shape). */
  size: number;
}

/** What writeNpy accepts: an NpyArray, or data with optional shape and storage dtype. */
export interface NpyInput {
  data?: NpyData | boolean[];
  /** Default [data.length]. */
  shape?: number[];
  /** Storage dtype; default from the typed array (Float64Array + 'int64' stores checked integers). */
  dtype?: NpyDType;
  /** Structured arrays: columns in field order (one value, or sub-array, per record). */
  fields?: Record<string, NpyData>;
  /** Structured arrays: storage dtype per field (default from each column). */
  fieldDTypes?: Record<string, NpyDType>;
  fieldInfo?: NpyFieldInfo[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_EXACT = 2 ** 53;

interface ScalarType {
  dtype: NpyDType;
  itemSize: number;
  bigEndian: boolean;
  descr: string;
}

/** Parses a scalar numpy type string: '<i8', '|b1', '>f4', '<U12', '|S5'. */
function parseScalarDescr(descr: string, where: string): ScalarType {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw new Error(`${where}: unsupported dtype '${descr}'`);
  const [, order, kind, sizeText] = m;
  const size = sizeText === '' ? 0 : Number(sizeText);
  const bigEndian = order === '>';
  const bad = (why: string): never => {
    throw new Error(`${where}: dtype '${descr}' is not supported (${why}); re-save the array with a plain numeric or string dtype`);
  };
  switch (kind) {
    case 'b':
      if (size !== 1) bad('bool must be 1 byte');
      return { dtype: 'bool', itemSize: 1, bigEndian, descr };
    case 'i': {
      const t: Record<number, NpyDType> = { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' };
      return { dtype: t[size] ?? bad('integer size'), itemSize: size, bigEndian, descr };
    }
    case 'u': {
      const t: Record<number, NpyDType> = { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };
      return { dtype: t[size] ?? bad('integer size'), itemSize: size, bigEndian, descr };
    }
    case 'f': {
      const t: Record<number, NpyDType> = { 2: 'float16', 4: 'float32', 8: 'float64' };
      return { dtype: t[size] ?? bad('float size'), itemSize: size, bigEndian, descr };
    }
    case 'U':
      return { dtype: 'unicode', itemSize: 4 * size, bigEndian, descr };
    case 'S':
    case 'a':
      return { dtype: 'bytes', itemSize: size, bigEndian: false, descr };
    case 'O':
      return bad('object arrays hold pickled Python objects, which are never loaded');
    case 'c':
      return bad('complex numbers');
    case 'M':
    case 'm':
      return bad('datetime/timedelta');
    default:
      return bad(`unknown kind '${kind}'`);
  }
}

function parseShape(v: unknown, where: string): number[] {
  const arr = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(arr) || !arr.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new Error(`${where}: header shape ${JSON.stringify(v)} is not a tuple of non-negative integers`);
  }
  return arr as number[];
}

function parseFields(list: unknown[], where: string): { info: NpyFieldInfo[]; itemSize: number; bigEndian: boolean[] } {
  const info: NpyFieldInfo[] = [];
  const bigEndian: boolean[] = [];
  let itemSize = 0;
  for (const f of list) {
    if (!Array.isArray(f) || f.length < 2 || typeof f[0] !== 'string' || typeof f[1] !== 'string') {
      throw new Error(`${where}: structured dtype entry ${JSON.stringify(f)} is not (name, type[, shape]); nested records are not supported`);
    }
    const name = f[0] === '' ? `f${info.length}` : f[0];
    const st = parseScalarDescr(f[1], `${where}: field '${name}'`);
    const shape = f.length > 2 ? parseShape(f[2], `${where}: field '${name}'`) : [];
    info.push({ name, dtype: st.dtype, descr: f[1], shape });
    bigEndian.push(st.bigEndian);
    itemSize += st.itemSize * prod(shape);
  }
  return { info, itemSize, bigEndian };
}

function prod(a: number[]): number {
  return a.reduce((x, y) => x * y, 1);
}

/** Parses the header of .npy bytes (only the first few KB are needed). */
export function parseNpyHeader(bytes: Uint8Array, name = '.npy data'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${name}: not a .npy file (missing the \\x93NUMPY magic): check the file path`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw new Error(`${name}: .npy format version ${major}.${minor} is not supported (1.0 to 3.0 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error(`${name}: truncated .npy header`);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + headerLen) throw new Error(`${name}: truncated .npy header (needs ${start + headerLen} bytes, file has ${bytes.length})`);
  const headerBytes = bytes.subarray(start, start + headerLen);
  const text = new TextDecoder(major >= 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const dict = parsePyLiteral(text.trim(), `${name} header`);
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new Error(`${name}: .npy header is not a dict`);
  const h = dict as PyDict;
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in h)) throw new Error(`${name}: .npy header lacks '${key}'`);
  }
  const shape = parseShape(h.shape, name);
  const base = { version: `${major}.${minor}`, shape, fortranOrder: h.fortran_order === true, dataOffset: start + headerLen, size: prod(shape) };
  if (typeof h.descr === 'string') {
    const st = parseScalarDescr(h.descr, name);
    return { ...base, descr: h.descr, dtype: st.dtype, itemSize: st.itemSize, bigEndian: st.bigEndian };
  }
  if (Array.isArray(h.descr)) {
    const f = parseFields(h.descr, name);
    return {
      ...base,
      descr: structuredDescrRepr(f.info),
      dtype: 'structured',
      itemSize: f.itemSize,
      bigEndian: f.bigEndian.some((b) => b),
      fieldInfo: f.info,
    };
  }
  throw new Error(`${name}: .npy header descr ${JSON.stringify(h.descr)} is neither a type string nor a field list`);
}

/** Reads the header of a .npy file without loading its data (for large files read in pieces). */
export function readNpyHeaderFromFile(path: string): NpyHeader {
  const fd = openRead(path);
  try {
    const size = fs.fstatSync(fd).size;
    let want = Math.min(size, 4096);
    for (;;) {
      const buf = new Uint8Array(want);
      fs.readSync(fd, buf, 0, want, 0);
      try {
        const h = parseNpyHeader(buf, path);
        checkDataSize(h, size, path);
        return h;
      } catch (e) {
        if (want >= size || !/truncated \.npy header/.test((e as Error).message)) throw e;
        want = Math.min(size, want * 16);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function openRead(path: string): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: file not found`);
    throw new Error(`${path}: cannot open for reading (${code ?? String(e)})`);
  }
}

function checkDataSize(h: NpyHeader, fileBytes: number, name: string): void {
  const need = h.size * h.itemSize;
  const have = fileBytes - h.dataOffset;
  if (have < need) {
    throw new Error(
      `${name}: truncated: shape (${h.shape.join(', ')}) of ${h.descr} needs ${need.toLocaleString('en-US')} data bytes but the file has ${have.toLocaleString('en-US')}; the file was cut short (re-copy or re-save it)`,
    );
  }
}

/** Reads a whole .npy file (path) or .npy bytes. */
export function readNpy(source: string | Uint8Array, name?: string): NpyArray {
  const label = name ?? (typeof source === 'string' ? source : '.npy data');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    const fd = openRead(source);
    try {
      bytes = new Uint8Array(fs.fstatSync(fd).size);
      let done = 0;
      while (done < bytes.length) {
        const n = fs.readSync(fd, bytes, done, bytes.length - done, done);
        if (n === 0) break;
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  } else {
    bytes = source;
  }
  const h = parseNpyHeader(bytes, label);
  checkDataSize(h, bytes.length, label);
  return decodeNpyData(h, bytes.subarray(h.dataOffset, h.dataOffset + h.size * h.itemSize), label);
}

/** Decodes the data bytes of an array whose header is known (also used for partial reads). */
export function decodeNpyData(h: NpyHeader, raw: Uint8Array, name = '.npy data'): NpyArray {
  const out: NpyArray = { descr: h.descr, dtype: h.dtype, shape: [...h.shape], data: new Uint8Array(0), fortranOrder: h.fortranOrder };
  if (h.dtype === 'structured') {
    const info = h.fieldInfo!;
    // Fortran order of a 1-D record array (the usual case) is the same layout.
    if (h.fortranOrder && h.shape.length > 1) throw new Error(`${name}: Fortran-ordered multi-dimensional record arrays are not supported; save with np.ascontiguousarray`);
    const fields: Record<string, NpyData> = {};
    let off = 0;
    const n = h.size;
    info.forEach((f) => {
      const st = parseScalarDescr(f.descr, name);
      const per = prod(f.shape);
      const width = st.itemSize * per;
      const col = new Uint8Array(n * width);
      for (let r = 0; r < n; r++) col.set(raw.subarray(r * h.itemSize + off, r * h.itemSize + off + width), r * width);
      fields[f.name] = decodeScalars(st, col, n * per, `${name}: field '${f.name}'`);
      off += width;
    });
    out.fields = fields;
    out.fieldInfo = info.map(({ name: fname, dtype, descr, shape }) => ({ name: fname, dtype, descr, shape }));
    out.data = Uint8Array.prototype.slice.call(raw);
    return out;
  }
  const st: ScalarType = { dtype: h.dtype, itemSize: h.itemSize, bigEndian: h.bigEndian, descr: h.descr };
  let data = decodeScalars(st, raw, h.size, name);
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  out.data = data;
  return out;
}

function decodeScalars(st: ScalarType, raw: Uint8Array, count: number, name: string): NpyData {
  if (st.dtype === 'unicode') return decodeUnicode(raw, count, st.itemSize / 4, st.bigEndian);
  if (st.dtype === 'bytes') return decodeBytes(raw, count, st.itemSize);
  let bytes = raw;
  if (st.bigEndian && st.itemSize > 1) bytes = swapped(raw, st.itemSize);
  switch (st.dtype) {
    case 'bool':
      return Uint8Array.from(bytes, (b) => (b ? 1 : 0));
    case 'int64':
    case 'uint64':
      return decode64(bytes, st.dtype === 'int64', name);
    case 'float16':
      return decodeFloat16(bytes);
    default:
      return viewAs(st.dtype as DType, aligned(bytes, st.itemSize));
  }
}

/** A copy when misaligned; Uint8Array.prototype.slice because Buffer#slice would return a view. */
function aligned(bytes: Uint8Array, size: number): Uint8Array {
  return bytes.byteOffset % size === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
}

function swapped(raw: Uint8Array, item: number): Uint8Array {
  const b = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += item) for (let k = 0; k < item; k++) b[i + k] = raw[i + item - 1 - k];
  return b;
}

function decode64(bytes: Uint8Array, signed: boolean, name: string): Float64Array {
  const a = aligned(bytes, 4);
  const words = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
  const n = words.length / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i];
    const hiU = words[2 * i + 1];
    const hi = signed ? hiU | 0 : hiU;
    // |value| <= 2^53 exactly when the high word is within ±2^21 (and 2^53 itself, which hi = ±2^21, lo = 0 gives).
    if (hi > 0x200000 || hi < -0x200000 || ((hi === 0x200000 || hi === -0x200000) && lo !== 0)) {
      const big = signed ? new DataView(a.buffer, a.byteOffset).getBigInt64(8 * i, true) : new DataView(a.buffer, a.byteOffset).getBigUint64(8 * i, true);
      throw new Error(`${name}: value ${big} at index ${i} is beyond ±2^53 and cannot be represented exactly; such sample indices or ids are not supported`);
    }
    out[i] = hi * 4294967296 + lo;
  }
  return out;
}

function decodeFloat16(bytes: Uint8Array): Float32Array {
  const n = bytes.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

function decodeUnicode(raw: Uint8Array, count: number, chars: number, bigEndian: boolean): string[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let k = 0; k < chars; k++) {
      const cp = dv.getUint32((i * chars + k) * 4, !bigEndian);
      if (cp === 0) break;
      s += String.fromCodePoint(cp);
    }
    out[i] = s;
  }
  return out;
}

function decodeBytes(raw: Uint8Array, count: number, width: number): string[] {
  const dec = new TextDecoder('utf-8');
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    let end = (i + 1) * width;
    while (end > i * width && raw[end - 1] === 0) end--;
    out[i] = dec.decode(raw.subarray(i * width, end));
  }
  return out;
}

/** Reorders Fortran-order (first index fastest) values into C order (last index fastest). */
function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  const n = data.length;
  const nd = shape.length;
  const out = (Array.isArray(data) ? new Array<string>(n) : new (data.constructor as new (k: number) => NumericArray)(n)) as T;
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as unknown[])[i] = (data as unknown as unknown[])[src];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      src += fStride[d];
      if (idx[d] < shape[d]) break;
      src -= idx[d] * fStride[d];
      idx[d] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------- writing

function defaultDType(data: NpyData | boolean[]): NpyDType {
  if (Array.isArray(data)) {
    if (data.every((v) => typeof v === 'boolean')) return 'bool';
    return 'unicode';
  }
  return dtypeOf(data as NumericArray);
}

const NUMERIC_DESCR: Record<string, string> = {
  int8: '|i1', uint8: '|u1', bool: '|b1',
  int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8',
  float16: '<f2', float32: '<f4', float64: '<f8',
};

function scalarDescr(dtype: NpyDType, data: NpyData | boolean[], where: string): string {
  if (dtype === 'unicode' || dtype === 'bytes') {
    if (!Array.isArray(data)) throw new Error(`${where}: dtype ${dtype} needs an array of strings`);
    let width = 1;
    for (const v of data) width = Math.max(width, dtype === 'unicode' ? [...String(v)].length : new TextEncoder().encode(String(v)).length);
    return dtype === 'unicode' ? `<U${width}` : `|S${width}`;
  }
  const d = NUMERIC_DESCR[dtype];
  if (!d) throw new Error(`${where}: cannot write dtype '${dtype}'`);
  return d;
}

/** Encodes values as little-endian bytes of the given dtype, checking that they fit. */
function encodeScalars(dtype: NpyDType, descr: string, data: NpyData | boolean[], where: string): Uint8Array {
  const n = data.length;
  if (dtype === 'unicode') {
    const chars = Number(descr.slice(2));
    const out = new Uint8Array(n * chars * 4);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (const ch of String(data[i])) dv.setUint32((i * chars + k++) * 4, ch.codePointAt(0)!, true);
    }
    return out;
  }
  if (dtype === 'bytes') {
    const width = Number(descr.slice(2));
    const out = new Uint8Array(n * width);
    const enc = new TextEncoder();
    for (let i = 0; i < n; i++) out.set(enc.encode(String(data[i])), i * width);
    return out;
  }
  if (Array.isArray(data) && !(dtype === 'bool' && data.every((v) => typeof v === 'boolean'))) {
    throw new Error(`${where}: strings cannot be stored as ${dtype}`);
  }
  const values = data as ArrayLike<number | boolean>;
  if (dtype === 'bool') return Uint8Array.from({ length: n }, (_, i) => (values[i] ? 1 : 0));
  if (dtype === 'float16') throw new Error(`${where}: writing float16 is not supported; use float32`);
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = new Uint8Array(n * 8);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]);
      if (!Number.isInteger(v) || Math.abs(v) > MAX_EXACT || (dtype === 'uint64' && v < 0)) {
        throw new Error(`${where}: value ${v} at index ${i} cannot be stored as ${dtype} (needs an integer${dtype === 'uint64' ? ' ≥ 0' : ''} within ±2^53)`);
      }
      const hi = Math.floor(v / 4294967296);
      dv.setUint32(8 * i, v - hi * 4294967296, true);
      dv.setInt32(8 * i + 4, hi, true);
    }
    return out;
  }
  const target = dtype as DType;
  const src = values as ArrayLike<number>;
  if (!Array.isArray(data) && dtypeOf(data as NumericArray) === target) {
    const a = data as NumericArray;
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  }
  const buf = new Uint8Array(n * DTYPE_BYTES[target]);
  const view = viewAs(target, buf);
  const isInt = !target.startsWith('float');
  for (let i = 0; i < n; i++) {
    const v = Number(src[i]);
    if (isInt) {
      view[i] = v;
      if (view[i] !== v) throw new Error(`${where}: value ${v} at index ${i} does not fit in ${target}`);
    } else {
      view[i] = v;
    }
  }
  return buf;
}

function shapeRepr(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

function structuredDescrRepr(info: NpyFieldInfo[]): string {
  return `[${info.map((f) => `(${pyStringRepr(f.name)}, ${pyStringRepr(f.descr)}${f.shape.length ? `, ${shapeRepr(f.shape)}` : ''})`).join(', ')}]`;
}

function headerBytes(descrRepr: string, shape: number[]): Uint8Array {
  const dict = `{'descr': ${descrRepr}, 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  const utf8 = new TextEncoder().encode(dict);
  const needsUtf8 = /[^\x00-\xff]/.test(dict);
  let major = needsUtf8 ? 3 : 1;
  // Header padded with spaces and ended by '\n' so the data starts at a multiple of 64 bytes.
  const body = (prefix: number) => {
    const total = prefix + utf8.length + 1;
    const pad = (64 - (total % 64)) % 64;
    return utf8.length + pad + 1;
  };
  if (major === 1 && body(10) > 0xffff) major = 2;
  const prefix = major === 1 ? 10 : 12;
  const len = body(prefix);
  const out = new Uint8Array(prefix + len).fill(0x20);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, len, true);
  else dv.setUint32(8, len, true);
  if (needsUtf8) out.set(utf8, prefix);
  else for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out[out.length - 1] = 0x0a;
  return out;
}

/** The bytes of a .npy file (format 1.0, or 2.0/3.0 when the header needs it), C order, little-endian. */
export function npyToBytes(arr: NpyInput | NpyArray, where = '.npy'): Uint8Array {
  if (arr.fields) return structuredToBytes(arr as NpyInput, where);
  const data = arr.data;
  if (!data) throw new Error(`${where}: nothing to write (no data and no fields)`);
  const shape = arr.shape ?? [data.length];
  if (prod(shape) !== data.length) throw new Error(`${where}: shape (${shape.join(', ')}) holds ${prod(shape)} values but data has ${data.length}`);
  const dtype = arr.dtype ?? defaultDType(data);
  if (dtype === 'structured') throw new Error(`${where}: structured dtype needs 'fields'`);
  const descr = scalarDescr(dtype, data, where);
  const payload = encodeScalars(dtype, descr, data, where);
  return concat(headerBytes(pyStringRepr(descr), shape), payload);
}

function structuredToBytes(arr: NpyInput, where: string): Uint8Array {
  const fields = arr.fields!;
  const names = arr.fieldInfo ? arr.fieldInfo.map((f) => f.name) : Object.keys(fields);
  if (names.length === 0) throw new Error(`${where}: a structured array needs at least one field`);
  const subShape = (name: string) => arr.fieldInfo?.find((f) => f.name === name)?.shape ?? [];
  const n = fields[names[0]].length / prod(subShape(names[0]));
  const cols = names.map((name) => {
    const data = fields[name];
    if (!data) throw new Error(`${where}: field '${name}' has no data`);
    const per = prod(subShape(name));
    if (data.length !== n * per) throw new Error(`${where}: field '${name}' has ${data.length} values, expected ${n * per} (${n} records)`);
    const dtype = arr.fieldDTypes?.[name] ?? arr.fieldInfo?.find((f) => f.name === name)?.dtype ?? defaultDType(data);
    const descr = scalarDescr(dtype, data, `${where}: field '${name}'`);
    const bytes = encodeScalars(dtype, descr, data, `${where}: field '${name}'`);
    return { name, dtype, descr, shape: subShape(name), bytes, width: n > 0 ? bytes.length / n : 0 };
  });
  const shape = arr.shape ?? [n];
  if (prod(shape) !== n) throw new Error(`${where}: shape (${shape.join(', ')}) does not match ${n} records`);
  const item = cols.reduce((a, c) => a + c.width, 0);
  const payload = new Uint8Array(n * item);
  let off = 0;
  for (const c of cols) {
    for (let r = 0; r < n; r++) payload.set(c.bytes.subarray(r * c.width, (r + 1) * c.width), r * item + off);
    off += c.width;
  }
  const info: NpyFieldInfo[] = cols.map((c) => ({ name: c.name, dtype: c.dtype, descr: c.descr, shape: c.shape }));
  return concat(headerBytes(structuredDescrRepr(info), shape), payload);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Writes a .npy file atomically. */
export function writeNpy(path: string, arr: NpyInput | NpyArray): void {
  writeFileAtomic(path, npyToBytes(arr, path));
}

/** Rows read per write of writeNpyRows. */
const NPY_ROWS_PER_WRITE = 8192;

/**
 * A float32 .npy of `rows` (shape[0] rows, the other dimensions making one row), written a batch of
 * rows at a time, so the array never has to be in memory whole.
 */
export function writeNpyRows(path: string, rows: Float32Rows, shape: number[]): void {
  if (shape[0] !== rows.numRows || prod(shape) !== rows.numRows * rows.rowLength) {
    throw new Error(`${path}: shape (${shape.join(', ')}) does not match ${rows.numRows} rows of ${rows.rowLength} values`);
  }
  const descr = scalarDescr('float32', new Float32Array(0), path);
  writeFileAtomicBy(path, (append) => {
    append(headerBytes(pyStringRepr(descr), shape));
    const batch = new Float32Array(NPY_ROWS_PER_WRITE * rows.rowLength);
    for (let start = 0; start < rows.numRows; start += NPY_ROWS_PER_WRITE) {
      const end = Math.min(rows.numRows, start + NPY_ROWS_PER_WRITE);
      const got = rows.readRange(start, end, batch);
      append(encodeScalars('float32', descr, got.subarray(0, (end - start) * rows.rowLength), path));
    }
  });
}

/** Number-typed values of a numeric .npy array, or an error naming the file when it holds strings/records. */
export function npyNumbers(arr: NpyArray, name: string): NumericArray {
  if (Array.isArray(arr.data) || arr.dtype === 'structured') {
    throw new Error(`${name}: expected a numeric array but found dtype ${arr.descr}`);
  }
  return arr.data;
}
