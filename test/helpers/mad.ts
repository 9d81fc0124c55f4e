/** The median-and-MAD kernel tests' reference (by sorting copies) and their test values. */
import { seededRandom } from '../../src/sortingcomponents/random.js';
import { gaussian } from './random.js';

/** Sorted-copy median and MAD (index n >> 1, NaN sorting last), zeros as +0. */
export function sortedMedianAndMad(v: Float64Array): [number, number] {
  if (v.length === 0) return [0, 0];
  const k = v.length >> 1;
  const med = Float64Array.from(v).sort()[k];
  return [med + 0, Float64Array.from(v, (x) => Math.abs(x - med)).sort()[k] + 0];
}

export type SelectionShape = 'gauss' | 'ties' | 'zeros' | 'offset' | 'heavy' | 'nan';

/** n values of one shape: the cases a bucketed selection can get wrong. */
export function selectionValues(n: number, shape: SelectionShape, seed: number): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    const g = gaussian(rand);
    switch (shape) {
      case 'gauss': return Math.fround(g * 7.3);
      case 'ties': return Math.round(g * 3) / 2;
      // Mostly zeros of both signs: the median and the MAD are zero.
      case 'zeros': return i % 5 === 0 ? g : i % 2 ? -0 : 0;
      case 'offset': return 1e4 + g * 1e-3;
      case 'heavy': return i % 97 === 0 ? (i % 2 ? Infinity : -1e300) : g / (rand() + 1e-9);
      case 'nan': return i % 31 === 0 ? NaN : g;
    }
  });
}
