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
