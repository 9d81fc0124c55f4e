/**
 * Spike trains for the ground-truth generator: Poisson trains with an absolute refractory period
 * (inter-spike interval = refractory + exponential), optionally grouped in bursts of decreasing amplitude.
 */
import type { CounterRng } from './generatorrandom.js';

export interface TrainOptions {
  rateHz: number;
  refractoryMs: number;
  samplingFrequency: number;
  /** Spikes are kept in [firstSample, endSample) so whole templates fit in the recording. */
  firstSample: number;
  endSample: number;
  /** Bursting: spikes per burst drawn uniformly from 2..maxBurstSpikes; 0 = no bursts. */
  maxBurstSpikes?: number;
  /** Amplitude factor applied per successive spike within a burst. */
  burstAmplitudeDecay?: number;
}

export interface Train {
  samples: Float64Array;
  /** Amplitude factor of each spike from bursting (1 outside bursts). */
  burstScale: Float32Array;
}

export function poissonTrain(rng: CounterRng, o: TrainOptions): Train {
  const fs = o.samplingFrequency;
  const r = o.refractoryMs / 1000;
  const maxBurst = o.maxBurstSpikes ?? 0;
  const bursting = maxBurst >= 2;
  const meanBurst = bursting ? (2 + maxBurst) / 2 : 1;
  // Intervals are r + 1/fs + Exp(mean): rounding to samples then never breaks the refractory period.
  // Bursts: the mean event interval grows so the overall spike rate stays at rateHz.
  const meanInterval = meanBurst / o.rateHz;
  const expMean = meanInterval - r - 1 / fs - (bursting ? (meanBurst - 1) * (r + 1 / fs + 0.002) : 0);
  if (!(o.rateHz > 0) || !(expMean > 0)) {
    throw new Error(
      `generator: firing rate ${o.rateHz} Hz is impossible with a ${o.refractoryMs} ms refractory period${bursting ? ' and bursts' : ''}: lower the rate or the refractory period`,
    );
  }
  const samples: number[] = [];
  const scales: number[] = [];
  const tEnd = o.endSample / fs;
  let t = o.firstSample / fs + rng.exponential(meanInterval);
  while (t < tEnd) {
    const n = bursting ? 2 + Math.floor(rng.uniform() * (maxBurst - 1)) : 1;
    let scale = 1;
    for (let k = 0; k < n && t < tEnd; k++) {
      samples.push(Math.round(t * fs));
      scales.push(scale);
      scale *= o.burstAmplitudeDecay ?? 0.8;
      // Intra-burst intervals: just past the refractory period, plus up to 4 ms.
      if (k < n - 1) t += r + 1 / fs + rng.range(0, 0.004);
    }
    t += r + 1 / fs + rng.exponential(expMean);
  }
  // The last rounding can land on endSample itself.
  while (samples.length > 0 && samples[samples.length - 1] >= o.endSample) {
    samples.pop();
    scales.pop();
  }
  return { samples: Float64Array.from(samples), burstScale: Float32Array.from(scales) };
}
