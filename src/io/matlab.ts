/**
 * MATLAB MAT-file level 5 reader (the format of `save` up to -v7, including zlib-compressed
 * variables), as far as configuration files such as Kilosort channel maps need: numeric and logical
 * arrays, char arrays, cells and structs. Values keep MATLAB's column-major order and their dims.
 * v7.3 files are HDF5 and v4 files have no header: both are detected and reported clearly.
 */
import * as fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import { Probe, ProbeGroup } from '../core/probe.js';

export type MatNumericClass =
  | 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export type MatNumericData = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export type MatValue =
  | {
      kind: 'numeric';
      className: MatNumericClass;
      dims: number[];
      /** Column-major. int64/uint64 are converted to float64 (exact up to 2^53). */
      real: MatNumericData;
      imag: MatNumericData | null;
      logical: boolean;
    }
  | { kind: 'char'; dims: number[]; /** One string per row of the char matrix. */ rows: string[] }
  | { kind: 'cell'; dims: number[]; /** Column-major. */ cells: MatValue[] }
  | { kind: 'struct'; dims: number[]; fieldNames: string[]; /** One map per struct element, column-major. */ elements: Map<string, MatValue>[] };

// Data element types (MAT-file format, table 1-1).
const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

// Array classes (mxClassID).
const CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64', 16: 'function_handle', 17: 'opaque',
};

/** Reads every variable of a MAT-file v5/v6/v7 (path or bytes). */
export function readMat(pathOrBytes: string | Uint8Array, name = typeof pathOrBytes === 'string' ? pathOrBytes : 'MAT-file'): Map<string, MatValue> {
  let bytes: Uint8Array;
  if (typeof pathOrBytes === 'string') {
    try {
      bytes = fs.readFileSync(pathOrBytes);
    } catch (e) {
      throw new Error(`${pathOrBytes}: cannot read the MAT-file (${(e as Error).message}): check the path`);
    }
  } else {
    bytes = pathOrBytes;
  }
  const header = checkHeader(bytes, name);
  const out = new Map<string, MatValue>();
  const r = new ElementReader(bytes, 128, bytes.byteLength, header.littleEndian, name);
  while (r.pos < r.end) {
    // Trailing padding shorter than a tag is harmless.
    if (r.end - r.pos < 8) break;
    const el = r.next();
    let body = el;
    if (el.type === MI.COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(el.data);
      } catch (e) {
        throw new Error(`${name}: a compressed variable at byte ${el.offset} does not inflate (${(e as Error).message}): the file is damaged or truncated`);
      }
      const inner = new ElementReader(inflated, 0, inflated.byteLength, header.littleEndian, `${name} (compressed variable at byte ${el.offset})`);
      body = inner.next();
    }
    if (body.type !== MI.MATRIX) continue; // Other top-level elements carry no variables.
    if (body.data.byteLength === 0) continue;
    const { varName, value } = parseMatrix(body.data, header.littleEndian, `${name}: variable at byte ${el.offset}`);
    out.set(varName, value);
  }
  return out;
}

interface MatHeader {
  text: string;
  littleEndian: boolean;
}

function checkHeader(b: Uint8Array, name: string): MatHeader {
  const text = new TextDecoder('latin1').decode(b.subarray(0, Math.min(116, b.byteLength))).replace(/[\0 ]+$/, '');
  if (b.byteLength >= 520 && isHdf5Signature(b.subarray(512, 520))) {
    throw new Error(
      `${name}: this is a MATLAB v7.3 (HDF5) MAT-file, which is not supported. Re-save it from MATLAB as v7 with save(file, '-v7'), or in Python with scipy.io.savemat.`,
    );
  }
  if (b.byteLength < 128 || !text.startsWith('MATLAB 5.0 MAT-file')) {
    throw new Error(
      `${name}: not a MATLAB v5/v7 MAT-file (no 'MATLAB 5.0 MAT-file' header; v4 files have none). Re-save it from MATLAB with save(file, '-v7').`,
    );
  }
  const endian = String.fromCharCode(b[126], b[127]);
  if (endian !== 'IM' && endian !== 'MI') throw new Error(`${name}: header endian indicator is '${endian}', expected 'IM' or 'MI': the file is damaged`);
  return { text, littleEndian: endian === 'IM' };
}

function isHdf5Signature(s: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return sig.every((x, i) => s[i] === x);
}

interface Element {
  type: number;
  data: Uint8Array;
  offset: number;
}

/** Walks tagged data elements, including the 4-byte "small data element" form. */
class ElementReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
    readonly le: boolean,
    readonly name: string,
  ) {}

  next(): Element {
    const offset = this.pos;
    if (this.end - this.pos < 8) throw new Error(`${this.name}: truncated data element tag at byte ${offset}: the file is damaged or truncated`);
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8);
    const first = dv.getUint32(0, this.le);
    const small = first >>> 16;
    if (small !== 0) {
      // Small element: size in the upper 16 bits, type in the lower, data in the next 4 bytes.
      const type = first & 0xffff;
      if (small > 4) throw new Error(`${this.name}: bad small data element (size ${small}) at byte ${offset}: the file is damaged`);
      this.pos += 8;
      return { type, data: this.bytes.subarray(offset + 4, offset + 4 + small), offset };
    }
    const type = first;
    const size = dv.getUint32(4, this.le);
    const start = this.pos + 8;
    if (start + size > this.end) {
      throw new Error(`${this.name}: data element at byte ${offset} says ${size} bytes but only ${this.end - start} remain: the file is truncated`);
    }
    // Compressed elements are not padded; every other element is padded to 8 bytes.
    this.pos = type === MI.COMPRESSED ? start + size : start + size + ((8 - (size % 8)) % 8);
    if (this.pos > this.end) this.pos = this.end;
    return { type, data: this.bytes.subarray(start, start + size), offset };
  }
}

function parseMatrix(data: Uint8Array, le: boolean, where: string): { varName: string; value: MatValue } {
  const r = new ElementReader(data, 0, data.byteLength, le, where);
  const flagsEl = r.next();
  if (flagsEl.type !== MI.UINT32 || flagsEl.data.byteLength < 8) throw new Error(`${where}: missing array flags: the file is damaged`);
  const flagsView = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, 8);
  const flagWord = flagsView.getUint32(0, le);
  const classId = flagWord & 0xff;
  const isComplex = (flagWord & 0x800) !== 0;
  const isLogical = (flagWord & 0x200) !== 0;
  const dimsEl = r.next();
  const dims = Array.from(toNumbers(dimsEl, le, `${where}: dimensions`));
  const nameEl = r.next();
  const varName = new TextDecoder('latin1').decode(nameEl.data);
  const at = varName ? `${where} ('${varName}')` : where;
  const count = dims.reduce((a, b) => a * b, 1);
  const className = CLASS_NAMES[classId] ?? `class ${classId}`;

  switch (className) {
    case 'double': case 'single': case 'int8': case 'uint8': case 'int16': case 'uint16':
    case 'int32': case 'uint32': case 'int64': case 'uint64': {
      const cls = className as MatNumericClass;
      const real = castTo(cls, toNumbers(r.next(), le, `${at}: real part`));
      const imag = isComplex ? castTo(cls, toNumbers(r.next(), le, `${at}: imaginary part`)) : null;
      if (real.length !== count) throw new Error(`${at}: ${real.length} values for dims ${dims.join('×')}: the file is damaged`);
      return { varName, value: { kind: 'numeric', className: cls, dims, real, imag, logical: isLogical } };
    }
    case 'char': {
      const el = count === 0 ? null : r.next();
      const codes = el ? charCodes(el, le, at) : [];
      if (codes.length !== count) throw new Error(`${at}: ${codes.length} characters for dims ${dims.join('×')}: the file is damaged`);
      const nRows = dims[0] ?? 0;
      const nCols = nRows === 0 ? 0 : count / nRows;
      const rows: string[] = [];
      for (let i = 0; i < nRows; i++) {
        let s = '';
        for (let j = 0; j < nCols; j++) s += String.fromCodePoint(codes[i + j * nRows]);
        rows.push(s);
      }
      return { varName, value: { kind: 'char', dims, rows } };
    }
    case 'cell': {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) cells.push(nestedMatrix(r, le, `${at}{${i + 1}}`));
      return { varName, value: { kind: 'cell', dims, cells } };
    }
    case 'struct': {
      const lenEl = r.next();
      const fieldLen = toNumbers(lenEl, le, `${at}: field name length`)[0];
      const namesEl = r.next();
      const nFields = fieldLen > 0 ? namesEl.data.byteLength / fieldLen : 0;
      const fieldNames: string[] = [];
      for (let f = 0; f < nFields; f++) {
        const raw = namesEl.data.subarray(f * fieldLen, (f + 1) * fieldLen);
        const z = raw.indexOf(0);
        fieldNames.push(new TextDecoder('latin1').decode(z >= 0 ? raw.subarray(0, z) : raw));
      }
      const elements: Map<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const m = new Map<string, MatValue>();
        for (const f of fieldNames) m.set(f, nestedMatrix(r, le, `${at}(${i + 1}).${f}`));
        elements.push(m);
      }
      return { varName, value: { kind: 'struct', dims, fieldNames, elements } };
    }
    default:
      throw new Error(`${at}: MATLAB ${className} arrays are not supported (only numeric, logical, char, cell and struct). Convert the variable to a plain array before saving.`);
  }
}

/** A cell or struct-field element: a miMATRIX (possibly empty, meaning []). */
function nestedMatrix(r: ElementReader, le: boolean, where: string): MatValue {
  const el = r.next();
  if (el.type !== MI.MATRIX) throw new Error(`${where}: expected a matrix element, found type ${el.type}: the file is damaged`);
  if (el.data.byteLength === 0) return { kind: 'numeric', className: 'double', dims: [0, 0], real: new Float64Array(0), imag: null, logical: false };
  return parseMatrix(el.data, le, where).value;
}

/** The values of a numeric data element in its stored type (MATLAB may store doubles as uint8 etc.). */
function toNumbers(el: Element, le: boolean, where: string): ArrayLike<number> {
  const d = el.data;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const read = (size: number, get: (o: number) => number): Float64Array => {
    if (d.byteLength % size !== 0) throw new Error(`${where}: ${d.byteLength} bytes is not a multiple of ${size}: the file is damaged`);
    const out = new Float64Array(d.byteLength / size);
    for (let i = 0; i < out.length; i++) out[i] = get(i * size);
    return out;
  };
  switch (el.type) {
    case MI.INT8: return read(1, (o) => dv.getInt8(o));
    case MI.UINT8: case MI.UTF8: return read(1, (o) => dv.getUint8(o));
    case MI.INT16: return read(2, (o) => dv.getInt16(o, le));
    case MI.UINT16: case MI.UTF16: return read(2, (o) => dv.getUint16(o, le));
    case MI.INT32: return read(4, (o) => dv.getInt32(o, le));
    case MI.UINT32: case MI.UTF32: return read(4, (o) => dv.getUint32(o, le));
    case MI.SINGLE: return read(4, (o) => dv.getFloat32(o, le));
    case MI.DOUBLE: return read(8, (o) => dv.getFloat64(o, le));
    case MI.INT64: return read(8, (o) => Number(dv.getBigInt64(o, le)));
    case MI.UINT64: return read(8, (o) => Number(dv.getBigUint64(o, le)));
    default: throw new Error(`${where}: data type ${el.type} is not numeric: the file is damaged`);
  }
}

function charCodes(el: Element, le: boolean, where: string): number[] {
  if (el.type === MI.UTF8) return Array.from(new TextDecoder('utf-8').decode(el.data), (c) => c.codePointAt(0)!);
  return Array.from(toNumbers(el, le, where));
}

function castTo(cls: MatNumericClass, v: ArrayLike<number>): MatNumericData {
  switch (cls) {
    case 'double': case 'int64': case 'uint64': return Float64Array.from(v);
    case 'single': return Float32Array.from(v);
    case 'int8': return Int8Array.from(v);
    case 'uint8': return Uint8Array.from(v);
    case 'int16': return Int16Array.from(v);
    case 'uint16': return Uint16Array.from(v);
    case 'int32': return Int32Array.from(v);
    case 'uint32': return Uint32Array.from(v);
  }
}

/** The values of a numeric or logical variable as float64 (column-major); throws naming the variable otherwise. */
export function matNumbers(v: MatValue | undefined, varName: string, where: string): Float64Array {
  if (!v) throw new Error(`${where}: variable '${varName}' is missing`);
  if (v.kind !== 'numeric') throw new Error(`${where}: variable '${varName}' is a ${v.kind} array, expected numbers`);
  return Float64Array.from(v.real);
}

/** A char variable as one string (rows joined by newlines). */
export function matString(v: MatValue | undefined): string | undefined {
  if (!v || v.kind !== 'char') return undefined;
  return v.rows.join('\n');
}

/**
 * A Kilosort channel map (.mat with chanMap or chanMap0ind, xcoords, ycoords, optional kcoords or
 * shankInd, connected, name) as a probe: one contact per connected site, wired to its 0-based
 * data-file channel, shank ids from kcoords. fs, if present, is ignored (the recording has it).
 */
export function readKilosortChanMap(path: string): ProbeGroup {
  return kilosortChanMapToProbeGroup(readMat(path), path);
}

export function kilosortChanMapToProbeGroup(vars: Map<string, MatValue>, where: string): ProbeGroup {
  let chan: Float64Array;
  if (vars.has('chanMap0ind')) chan = matNumbers(vars.get('chanMap0ind'), 'chanMap0ind', where);
  else if (vars.has('chanMap')) chan = matNumbers(vars.get('chanMap'), 'chanMap', where).map((c) => c - 1);
  else throw new Error(`${where}: no 'chanMap' or 'chanMap0ind' variable: this is not a Kilosort channel map (found ${[...vars.keys()].join(', ') || 'no variables'})`);
  const n = chan.length;
  const vector = (key: string, required: boolean): Float64Array | null => {
    if (!vars.has(key)) {
      if (required) throw new Error(`${where}: Kilosort channel map has no '${key}' variable: add ${key} (one value per channel)`);
      return null;
    }
    const v = matNumbers(vars.get(key), key, where);
    if (v.length !== n) throw new Error(`${where}: '${key}' has ${v.length} values but chanMap has ${n}: the channel map is inconsistent`);
    return v;
  };
  const x = vector('xcoords', true)!;
  const y = vector('ycoords', true)!;
  const shank = vector('kcoords', false) ?? vector('shankInd', false);
  const connected = vector('connected', false);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!connected || connected[i] !== 0) keep.push(i);
  for (const i of keep) {
    if (!Number.isInteger(chan[i]) || chan[i] < 0) throw new Error(`${where}: chanMap entry ${i + 1} is ${chan[i]}, not a valid channel (chanMap is 1-based, chanMap0ind 0-based)`);
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new Error(`${where}: connected channel ${chan[i]} has a non-finite xcoords/ycoords value`);
  }
  const name = matString(vars.get('name')) ?? '';
  const probe = new Probe({
    ndim: 2,
    positions: keep.flatMap((i) => [x[i], y[i]]),
    contactIds: keep.map((i) => String(chan[i])),
    shankIds: keep.map((i) => (shank && Number.isFinite(shank[i]) ? String(shank[i]) : '')),
    deviceChannelIndices: keep.map((i) => chan[i]),
    name,
    annotations: name ? { name } : {},
  });
  return new ProbeGroup([probe]);
}
