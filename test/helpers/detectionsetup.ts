/** The detection setup the detection-pass tests share: 1 ms before the peak, 3 ms snippets, 50 µm dedup, 4 feature channels within 60 µm. */
import type { DetectionSetup } from '../../src/sortingcomponents/peakpass.js';
import { channelNeighbourhoods } from '../../src/sortingcomponents/neighbours.js';

export function testDetectionSetup(fs: number, locations: Float64Array, numChannels: number): DetectionSetup {
  const nBefore = Math.round(0.001 * fs);
  return {
    polarity: 'negative',
    nBefore,
    length: nBefore + Math.round(0.002 * fs),
    exclusionSamples: Math.round(0.0002 * fs),
    dedupNeighbours: channelNeighbourhoods(locations, 50, numChannels),
    featureNeighbours: channelNeighbourhoods(locations, 60, 4),
    chunkSamples: Math.round(0.5 * fs),
  };
}
