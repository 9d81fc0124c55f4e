/**
 * Coarse template scores kept between the residual peaks of one matching window. A unit's scores at the
 * integer starts around one guess depend only on the residual rows and channels they read, so while no
 * subtraction has touched those since they were computed, a later peak that asks for the same unit and
 * guess (a neighbouring channel of the same event, the next round's re-detection of a peak that found no
 * fit) gets the very same numbers without another kernel call.
 */

/** Rows per stamp block: a subtraction stamps a few blocks per channel, a lookup checks a few. */
const ROW_BLOCK = 32;

export interface ScoreMemo {
  /** Slot of the stored scores of `unit` around `guess`, or -1 when none are stored or the residual under them changed since. */
  lookup(unit: number, guess: number, channels: Int32Array): number;
  /** Stores the `shifts` scores source[at …] of `unit` around `guess`, valid as of now. */
  store(unit: number, guess: number, source: Float64Array, at: number): void;
  /** The stored scores: a slot's are values[slot · shifts …] (the array is replaced as it grows). */
  readonly values: Float64Array;
  /** The residual changed in rows [start, start + rows) on `channels`: scores reading any of them are stale. */
  touch(start: number, rows: number, channels: Int32Array): void;
}

/**
 * A memo for a window of `numSamples` rows × `numChannels`; scores of a guess g cover starts
 * g − maxShift … g + maxShift and read rows [g − maxShift, g + maxShift + length).
 */
export function scoreMemo(numSamples: number, numChannels: number, length: number, maxShift: number): ScoreMemo {
  const shifts = 2 * maxShift + 1;
  const blocks = Math.ceil(numSamples / ROW_BLOCK);
  // stamps[block · numChannels + channel]: the change count when a subtraction last touched that block there.
  const stamps = new Int32Array(blocks * numChannels);
  let changes = 0;
  const slotOf = new Map<number, number>();
  let storedAt = new Int32Array(256);
  let values = new Float64Array(256 * shifts);
  const key = (unit: number, guess: number) => unit * numSamples + guess;
  return {
    get values() {
      return values;
    },
    lookup(unit, guess, channels) {
      const slot = slotOf.get(key(unit, guess));
      if (slot === undefined) return -1;
      const since = storedAt[slot];
      const b0 = Math.floor((guess - maxShift) / ROW_BLOCK);
      const b1 = Math.floor((guess + maxShift + length - 1) / ROW_BLOCK);
      for (let b = b0; b <= b1; b++) {
        const row = b * numChannels;
        for (let q = 0; q < channels.length; q++) if (stamps[row + channels[q]] > since) return -1;
      }
      return slot;
    },
    store(unit, guess, source, at) {
      const k = key(unit, guess);
      let slot = slotOf.get(k);
      if (slot === undefined) {
        slot = slotOf.size;
        if (slot >= storedAt.length) {
          const moreSlots = new Int32Array(2 * storedAt.length);
          moreSlots.set(storedAt);
          storedAt = moreSlots;
          const moreValues = new Float64Array(2 * values.length);
          moreValues.set(values);
          values = moreValues;
        }
        slotOf.set(k, slot);
      }
      storedAt[slot] = changes;
      values.set(source.subarray(at, at + shifts), slot * shifts);
    },
    touch(start, rows, channels) {
      changes++;
      const b0 = Math.floor(start / ROW_BLOCK);
      const b1 = Math.floor((start + rows - 1) / ROW_BLOCK);
      for (let b = b0; b <= b1; b++) {
        const row = b * numChannels;
        for (let q = 0; q < channels.length; q++) stamps[row + channels[q]] = changes;
      }
    },
  };
}

