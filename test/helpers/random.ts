/** Deterministic test inputs. */

/** n floats in [-1, 1) from a linear congruential stream: reproducible kernel inputs. */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  });
}

/** One standard normal value from two uniform draws of `rand` (Box–Muller). */
export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A reproducible stream of integers in [0, m) (m ≤ 2^31), for picking rows, columns and starts. */
export function randomInts(seed: number): (m: number) => number {
  let state = seed;
  return (m: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % m;
  };
}
