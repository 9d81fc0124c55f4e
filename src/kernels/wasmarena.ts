/**
 * The scratch arena in a kernels module's linear memory: each call lays its buffers out from the heap base
 * (reusing the same bytes every call) and grows memory only when a call needs more than any before it.
 * Typed views over the whole memory are rebuilt after a grow, because growing detaches the old buffer.
 */
import type { WasmMemoryLike } from './wasmmodule.js';

const PAGE_BYTES = 65536;
const ALIGN = 16;

export class WasmArena {
  f32!: Float32Array;
  f64!: Float64Array;
  i32!: Int32Array;

  constructor(private readonly memory: WasmMemoryLike, private base: number) {
    this.refreshViews();
  }

  /**
   * Byte offsets of consecutive 16-byte-aligned buffers of the given byte sizes, with memory grown to hold
   * them all. Views obtained before this call may be stale: use this.f32 / f64 / i32 afterwards.
   */
  layout(...byteSizes: number[]): number[] {
    const ptrs: number[] = [];
    let p = align(this.base);
    for (const size of byteSizes) {
      ptrs.push(p);
      p = align(p + size);
    }
    this.ensure(p);
    return ptrs;
  }

  /**
   * Keeps `bytes` out of every later layout (scratch moves above them) and returns their offset; memory is
   * grown to hold them plus `headroomBytes` of scratch, so calls needing less scratch than that do not grow
   * memory (growing detaches every view of it, including views of reserved bytes).
   */
  reserve(bytes: number, headroomBytes: number): number {
    const p = align(this.base);
    this.base = align(p + bytes);
    this.ensure(this.base + headroomBytes);
    return p;
  }

  private ensure(endByte: number): void {
    const have = this.memory.buffer.byteLength;
    if (endByte > have) {
      const pages = Math.ceil((endByte - have) / PAGE_BYTES);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new Error(`WebAssembly kernels: cannot grow memory to ${endByte.toLocaleString('en-US')} bytes (${(e as Error).message}): use the ts kernels (SPIKEFORGE_KERNELS=ts) or smaller blocks`);
      }
    }
    if (this.f32.buffer !== this.memory.buffer) this.refreshViews();
  }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
  }
}

function align(p: number): number {
  return Math.ceil(p / ALIGN) * ALIGN;
}
