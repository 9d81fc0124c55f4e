/** Channel neighbourhoods from the probe geometry: nearest channels first, the channel itself first of all. */

export function channelNeighbourhoods(locations: Float64Array, radiusUm: number, maxNeighbours: number): Int32Array[] {
  const nc = locations.length / 2;
  const out: Int32Array[] = [];
  for (let c = 0; c < nc; c++) {
    const d: [number, number][] = [];
    for (let k = 0; k < nc; k++) {
      const dx = locations[2 * k] - locations[2 * c];
      const dy = locations[2 * k + 1] - locations[2 * c + 1];
      // Math.hypot is at least the larger |difference| (the scaled sum of squares is ≥ 1): a channel that
      // far along one axis is out without the call, which is most of them on a long probe.
      if (k !== c && (Math.abs(dx) > radiusUm || Math.abs(dy) > radiusUm)) continue;
      const dist = Math.hypot(dx, dy);
      if (dist <= radiusUm || k === c) d.push([dist, k]);
    }
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    out.push(Int32Array.from(d.slice(0, Math.max(1, maxNeighbours)), (x) => x[1]));
  }
  return out;
}

/** Distance (µm) between two channels. */
export function channelDistance(locations: Float64Array, a: number, b: number): number {
  return Math.hypot(locations[2 * a] - locations[2 * b], locations[2 * a + 1] - locations[2 * b + 1]);
}

/**
 * Locations for a recording without a probe: a vertical line at 20 µm pitch is a guess, so only
 * small channel counts (where every channel is a neighbour anyway) are allowed.
 */
export function fallbackLocations(numChannels: number): Float64Array {
  const out = new Float64Array(numChannels * 2);
  for (let c = 0; c < numChannels; c++) out[2 * c + 1] = c * 20;
  return out;
}
