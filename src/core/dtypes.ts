/** Numeric sample types shared by recordings, files and kernels. Names follow numpy. */
export type DType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export const DTYPE_BYTES: Record<DType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

const ALIASES: Record<string, DType> = {
  i1: 'int8', '|i1': 'int8', int8: 'int8',
  u1: 'uint8', '|u1': 'uint8', uint8: 'uint8',
  i2: 'int16', '<i2': 'int16', int16: 'int16', short: 'int16',
  u2: 'uint16', '<u2': 'uint16', uint16: 'uint16',
  i4: 'int32', '<i4': 'int32', int32: 'int32',
  u4: 'uint32', '<u4': 'uint32', uint32: 'uint32',
  f4: 'float32', '<f4': 'float32', float32: 'float32', float: 'float32', single: 'float32',
  f8: 'float64', '<f8': 'float64', float64: 'float64', double: 'float64',
};

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

/** Parses a dtype name as users and SpikeInterface write it ('int16', '<i2', 'float32', ...). */
export function parseDType(name: string, where = 'dtype'): DType {
  const d = ALIASES[name.trim().toLowerCase()];
  if (!d) {
    throw new Error(
      `${where}: unknown dtype '${name}'. Use one of int8, uint8, int16, uint16, int32, uint32, float32, float64 (numpy codes like '<i2' also work).`,
    );
  }
  return d;
}

export function allocArray(dtype: DType, length: number): NumericArray {
  switch (dtype) {
    case 'int8': return new Int8Array(length);
    case 'uint8': return new Uint8Array(length);
    case 'int16': return new Int16Array(length);
    case 'uint16': return new Uint16Array(length);
    case 'int32': return new Int32Array(length);
    case 'uint32': return new Uint32Array(length);
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
  }
}

/** A typed-array view of little-endian bytes; copies only when the buffer offset is misaligned. */
export function viewAs(dtype: DType, bytes: Uint8Array): NumericArray {
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteLength % size !== 0) {
    throw new Error(`byte length ${bytes.byteLength} is not a multiple of ${size} (${dtype})`);
  }
  let b = bytes;
  // new Uint8Array(b) always copies (a Node Buffer's own slice() would only make a view).
  if (b.byteOffset % size !== 0) b = new Uint8Array(b);
  const n = b.byteLength / size;
  switch (dtype) {
    case 'int8': return new Int8Array(b.buffer, b.byteOffset, n);
    case 'uint8': return new Uint8Array(b.buffer, b.byteOffset, n);
    case 'int16': return new Int16Array(b.buffer, b.byteOffset, n);
    case 'uint16': return new Uint16Array(b.buffer, b.byteOffset, n);
    case 'int32': return new Int32Array(b.buffer, b.byteOffset, n);
    case 'uint32': return new Uint32Array(b.buffer, b.byteOffset, n);
    case 'float32': return new Float32Array(b.buffer, b.byteOffset, n);
    case 'float64': return new Float64Array(b.buffer, b.byteOffset, n);
  }
}

export function dtypeOf(a: NumericArray): DType {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

export function isFloatDType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
