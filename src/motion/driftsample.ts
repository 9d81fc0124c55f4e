/**
 * A bounded sample of a pass's motion peaks, for the drift map: every peak while they fit, then every
 * 2nd, every 4th, … of the stream. Memory stays fixed however long the recording, and the kept peaks
 * stay spread evenly over it, the same whatever sizes the batches come in.
 */
import type { DriftMapPeaks } from '../viz/driftmap.js';

/** Peaks a sort keeps for its drift map (20 bytes each): far more points than the picture has pixels. */
export const DRIFT_MAP_MAX_PEAKS = 200_000;

export class DriftMapSample {
  private timeS = new Float64Array(0);
  private y = new Float32Array(0);
  private amplitude = new Float32Array(0);
  private segment = new Int32Array(0);
  private count = 0;
  /** Peaks offered so far; the kept ones are those whose position in the stream is a multiple of stride. */
  private seen = 0;
  private stride = 1;

  constructor(readonly capacity = DRIFT_MAP_MAX_PEAKS) {
    if (!(Number.isInteger(capacity) && capacity >= 2)) throw new Error(`DriftMapSample: capacity must be an integer ≥ 2, got ${capacity}`);
  }

  add(peaks: DriftMapPeaks): void {
    for (let i = 0; i < peaks.timeS.length; i++, this.seen++) {
      if (this.seen % this.stride !== 0) continue;
      if (this.count === this.capacity) {
        this.halve();
        if (this.seen % this.stride !== 0) continue;
      }
      if (this.count === this.timeS.length) this.grow();
      this.timeS[this.count] = peaks.timeS[i];
      this.y[this.count] = peaks.y[i];
      this.amplitude[this.count] = peaks.amplitude[i];
      this.segment[this.count] = peaks.segment ? peaks.segment[i] : 0;
      this.count++;
    }
  }

  /** The kept peaks, in stream order (copies). */
  peaks(): Required<DriftMapPeaks> {
    const n = this.count;
    return { timeS: this.timeS.slice(0, n), y: this.y.slice(0, n), amplitude: this.amplitude.slice(0, n), segment: this.segment.slice(0, n) };
  }

  /** Keeps every other kept peak: entry j is stream position j × stride, so the even entries are the multiples of 2 × stride. */
  private halve(): void {
    const kept = (this.count + 1) >> 1;
    for (let j = 0; j < kept; j++) {
      this.timeS[j] = this.timeS[2 * j];
      this.y[j] = this.y[2 * j];
      this.amplitude[j] = this.amplitude[2 * j];
      this.segment[j] = this.segment[2 * j];
    }
    this.count = kept;
    this.stride *= 2;
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, 2 * this.timeS.length));
    const grown = <T extends Float64Array | Float32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a.subarray(0, this.count) as never);
      return b;
    };
    this.timeS = grown(this.timeS, (k) => new Float64Array(k));
    this.y = grown(this.y, (k) => new Float32Array(k));
    this.amplitude = grown(this.amplitude, (k) => new Float32Array(k));
    this.segment = grown(this.segment, (k) => new Int32Array(k));
  }
}
