/**
 * A reusable float32 buffer for per-chunk work on one thread. A pass allocating a fresh 40+ MB window
 * per chunk pays the kernel's page faults and zeroing on every chunk (the largest cost of detection on
 * 384 channels); taking a view of one kept buffer pays them once per thread.
 */
export class Float32Scratch {
  private buffer = new Float32Array(0);

  /** A view of `length` values: contents are left from the previous use (callers overwrite or fill). */
  take(length: number): Float32Array {
    if (this.buffer.length < length) this.buffer = new Float32Array(length);
    return this.buffer.subarray(0, length);
  }

  /** Lets the buffer be collected (at the end of a pass, so later stages do not hold it). */
  release(): void {
    this.buffer = new Float32Array(0);
  }
}
