/**
 * Grouping of pairwise merge decisions. Merging every accepted pair transitively (plain
 * union-find) lets one small ambiguous cluster bridge two units that were tested and found
 * distinct: a cluster of 8 spikes is "one mode" with both its neighbours because it is too small
 * to show a dip. Groups are therefore joined only when no pair across them was judged distinct.
 */

export interface PairMerge {
  a: number;
  b: number;
}

/** Unordered pairs of items, for the pairs judged distinct. */
export class PairSet {
  private readonly keys = new Set<number>();
  constructor(private readonly n: number) {}
  add(a: number, b: number): void {
    this.keys.add(a < b ? a * this.n + b : b * this.n + a);
  }
  has(a: number, b: number): boolean {
    return this.keys.has(a < b ? a * this.n + b : b * this.n + a);
  }
}

/**
 * The merges of `merges` (taken in the given order, best first) that join two groups of the n
 * items without joining any pair in `distinct`; merges within an existing group are left out.
 * Also returns each item's group root.
 */
export function acceptMerges<T extends PairMerge>(n: number, merges: T[], distinct: PairSet): { accepted: T[]; root: Int32Array } {
  const root = Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const accepted: T[] = [];
  for (const m of merges) {
    const ra = root[m.a];
    const rb = root[m.b];
    if (ra === rb || conflicts(members[ra], members[rb], distinct)) continue;
    for (const u of members[rb]) root[u] = ra;
    members[ra].push(...members[rb]);
    members[rb] = [];
    accepted.push(m);
  }
  return { accepted, root };
}

function conflicts(a: number[], b: number[], distinct: PairSet): boolean {
  for (const x of a) for (const y of b) if (distinct.has(x, y)) return true;
  return false;
}
