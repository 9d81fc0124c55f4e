/**
 * A tiny RGBA raster canvas and PNG encoder with no dependency. Deflate uses stored (uncompressed)
 * blocks so that the encoder is pure TypeScript and runs in a browser too; plots are small.
 */
import { crc32 } from '../core/checksum.js';

export class RgbaCanvas {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: [number, number, number] = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`canvas size ${width} × ${height} must be positive integers`);
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([background[0], background[1], background[2], 255], i * 4);
  }

  /** Alpha-blends a colour into pixel (x, y); outside pixels are ignored. */
  blend(x: number, y: number, rgb: readonly [number, number, number], alpha = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 4;
    for (let k = 0; k < 3; k++) this.data[o + k] = Math.round(this.data[o + k] * (1 - alpha) + rgb[k] * alpha);
  }

  fillRect(x0: number, y0: number, w: number, h: number, rgb: readonly [number, number, number], alpha = 1): void {
    for (let y = Math.round(y0); y < Math.round(y0 + h); y++) for (let x = Math.round(x0); x < Math.round(x0 + w); x++) this.blend(x, y, rgb, alpha);
  }

  /** A line of the given width (pixels) from (x0, y0) to (x1, y1). */
  line(x0: number, y0: number, x1: number, y1: number, rgb: readonly [number, number, number], width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    const r = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) this.blend(x + dx, y + dy, rgb, 1);
    }
  }
}


function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored deflate blocks (valid for any inflater). */
export function zlibStored(raw: Uint8Array): Uint8Array {
  const nBlocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + nBlocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < nBlocks; b++) {
    const chunk = raw.subarray(b * 65535, Math.min(raw.length, (b + 1) * 65535));
    out[o++] = b === nBlocks - 1 ? 1 : 0;
    out[o++] = chunk.length & 0xff;
    out[o++] = chunk.length >>> 8;
    out[o++] = ~chunk.length & 0xff;
    out[o++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o);
    o += chunk.length;
  }
  new DataView(out.buffer).setUint32(o, adler32(raw));
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Turns raw bytes into a zlib stream; Node callers pass zlib.deflateSync for files ~20× smaller. */
export type ZlibDeflate = (raw: Uint8Array) => Uint8Array;

/** PNG bytes (8-bit RGBA, no filtering) of a canvas; stored (uncompressed) deflate unless `deflate` is given. */
export function encodePng(canvas: RgbaCanvas, deflate: ZlibDeflate = zlibStored): Uint8Array {
  const { width, height, data } = canvas;
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width * 4, (y + 1) * width * 4), y * (1 + width * 4) + 1);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', deflate(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
