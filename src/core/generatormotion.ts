/**
 * Probe drift for the ground-truth generator: the displacement (µm, along y) of tissue relative to the
 * probe as a function of time and depth. Rigid drift moves everything alike; non-rigid drift scales
 * it linearly along the probe. Units are displaced by this amount and their templates recomputed.
 */
export type DriftMode = 'none' | 'rigid' | 'non-rigid';
export type DriftWaveform = 'zigzag' | 'sine' | 'step';

export interface DriftOptions {
  mode: DriftMode;
  waveform?: DriftWaveform;
  /** Peak displacement (µm): the motion spans [−amplitudeUm, +amplitudeUm]. Default 15. */
  amplitudeUm?: number;
  /** Period (s) of zigzag / sine drift. Default 20. */
  periodS?: number;
  /** Time (s) of the jump for step drift. Default: middle of the recording. */
  stepTimeS?: number;
  /** Non-rigid: the factor goes from 1 − g/2 at the bottom of the probe to 1 + g/2 at the top. Default 1. */
  nonRigidGradient?: number;
  /** Templates are recomputed every stepUm of displacement. Default 1. */
  stepUm?: number;
}

/** The true motion sampled for the drift benchmark: displacementUm is times × depth bins. */
export interface TrueMotion {
  timesS: Float64Array;
  depthBinsUm: Float64Array;
  displacementUm: Float32Array;
}

export class DriftModel {
  readonly mode: DriftMode;
  readonly stepUm: number;
  private readonly waveform: DriftWaveform;
  private readonly amplitude: number;
  private readonly period: number;
  private readonly stepTime: number;
  private readonly gradient: number;

  constructor(o: DriftOptions, durationS: number, private readonly yMin: number, private readonly yMax: number) {
    this.mode = o.mode;
    this.waveform = o.waveform ?? 'zigzag';
    this.amplitude = o.amplitudeUm ?? 15;
    this.period = o.periodS ?? 20;
    this.stepTime = o.stepTimeS ?? durationS / 2;
    this.gradient = o.nonRigidGradient ?? 1;
    this.stepUm = o.stepUm ?? 1;
    if (!['none', 'rigid', 'non-rigid'].includes(this.mode)) throw new Error(`generator: drift mode '${this.mode}' is not none, rigid or non-rigid`);
    if (!['zigzag', 'sine', 'step'].includes(this.waveform)) throw new Error(`generator: drift waveform '${this.waveform}' is not zigzag, sine or step`);
    if (!(this.period > 0) || !(this.stepUm > 0) || !(this.amplitude >= 0)) {
      throw new Error('generator: drift periodS and stepUm must be positive and amplitudeUm non-negative');
    }
  }

  /** Rigid displacement (µm) at time t (s). */
  private base(t: number): number {
    if (this.mode === 'none') return 0;
    switch (this.waveform) {
      case 'sine':
        return this.amplitude * Math.sin((2 * Math.PI * t) / this.period);
      case 'step':
        return t < this.stepTime ? -this.amplitude : this.amplitude;
      case 'zigzag': {
        // Triangle wave starting at 0, rising to +A at a quarter period.
        const ph = (((t / this.period) % 1) + 1) % 1;
        const tri = ph < 0.25 ? 4 * ph : ph < 0.75 ? 2 - 4 * ph : 4 * ph - 4;
        return this.amplitude * tri;
      }
    }
  }

  /** Displacement (µm along y) at time t (s) for tissue at depth y (µm). */
  displacement(t: number, y: number): number {
    const d = this.base(t);
    if (this.mode !== 'non-rigid') return d;
    const span = this.yMax - this.yMin;
    const rel = span > 0 ? (Math.min(Math.max(y, this.yMin), this.yMax) - this.yMin) / span : 0.5;
    return d * (1 - this.gradient / 2 + this.gradient * rel);
  }

  /** Displacement rounded to the template step, as an integer step count. */
  step(t: number, y: number): number {
    return Math.round(this.displacement(t, y) / this.stepUm);
  }

  sample(durationS: number, samplingHz: number, binUm: number): TrueMotion {
    const nt = Math.max(1, Math.floor(durationS * samplingHz));
    const timesS = Float64Array.from({ length: nt }, (_, i) => (i + 0.5) / samplingHz);
    const nb = Math.max(1, Math.floor((this.yMax - this.yMin) / binUm) + 1);
    const depthBinsUm = Float64Array.from({ length: nb }, (_, i) => this.yMin + i * binUm);
    const displacementUm = new Float32Array(nt * nb);
    for (let i = 0; i < nt; i++) for (let b = 0; b < nb; b++) displacementUm[i * nb + b] = this.displacement(timesS[i], depthBinsUm[b]);
    return { timesS, depthBinsUm, displacementUm };
  }
}
