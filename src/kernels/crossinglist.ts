/**
 * Threshold crossings gathered block by block from a kernel's output (flat indices row·nc + channel and
 * values), in arrays grown by doubling so a block never needs a second kernel call to size them.
 */
export class CrossingList {
  private index: Int32Array;
  private value: Float32Array;
  private length = 0;

  constructor(initial: number) {
    this.index = new Int32Array(initial);
    this.value = new Float32Array(initial);
  }

  /** Appends k crossings (block-relative indices shifted by offset). */
  append(idx: Int32Array, val: Float32Array, k: number, offset: number): void {
    const m = this.length;
    if (m + k > this.index.length) {
      const size = Math.max(2 * this.index.length, m + k);
      const grownIndex = new Int32Array(size);
      const grownValue = new Float32Array(size);
      grownIndex.set(this.index.subarray(0, m));
      grownValue.set(this.value.subarray(0, m));
      this.index = grownIndex;
      this.value = grownValue;
    }
    for (let j = 0; j < k; j++) this.index[m + j] = idx[j] + offset;
    this.value.set(val.subarray(0, k), m);
    this.length = m + k;
  }

  /** The crossings so far, in exactly sized copies. */
  result(): { index: Int32Array; value: Float32Array } {
    return { index: this.index.slice(0, this.length), value: this.value.slice(0, this.length) };
  }
}
