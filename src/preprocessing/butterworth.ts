/**
 * Butterworth IIR design in second-order sections, following scipy.signal.butter(order, Wn, btype,
 * output='sos'): analog prototype → frequency transform (lp/hp/bp) → bilinear transform with pre-warping →
 * zpk2sos with scipy's 'nearest' pairing, so the sections (not only the overall response) match scipy's.
 */

interface Complex { re: number; im: number }

const c = (re: number, im = 0): Complex => ({ re, im });
const add = (a: Complex, b: Complex): Complex => c(a.re + b.re, a.im + b.im);
const sub = (a: Complex, b: Complex): Complex => c(a.re - b.re, a.im - b.im);
const mul = (a: Complex, b: Complex): Complex => c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const scale = (a: Complex, s: number): Complex => c(a.re * s, a.im * s);
const abs = (a: Complex): number => Math.hypot(a.re, a.im);
const conj = (a: Complex): Complex => c(a.re, -a.im);
function div(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im;
  return c((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
function csqrt(a: Complex): Complex {
  const r = abs(a);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sqrt(Math.max(0, (r - a.re) / 2));
  return c(re, a.im < 0 ? -im : im);
}
const prod = (xs: Complex[]): Complex => xs.reduce(mul, c(1));

interface Zpk { z: Complex[]; p: Complex[]; k: number }

export type FilterBand = 'lowpass' | 'highpass' | 'bandpass';

export interface ButterworthSpec {
  order: number;
  band: FilterBand;
  /** Cut-off(s) in Hz: one for low/high-pass, [low, high] for band-pass. */
  frequencies: number[];
  samplingFrequency: number;
}

/** Second-order sections (numSections × [b0 b1 b2 1 a1 a2]) of a digital Butterworth filter. */
export function butterSos(spec: ButterworthSpec): Float64Array {
  const { order, band, frequencies, samplingFrequency: fs } = spec;
  if (!Number.isInteger(order) || order < 1 || order > 24) throw new Error(`filter order must be an integer 1..24, got ${order}`);
  const nyq = fs / 2;
  const want = band === 'bandpass' ? 2 : 1;
  if (frequencies.length !== want) throw new Error(`${band} filter needs ${want} cut-off frequenc${want === 1 ? 'y' : 'ies'}, got ${frequencies.length}`);
  for (const f of frequencies) {
    if (!(f > 0 && f < nyq)) {
      throw new Error(`filter cut-off ${f} Hz must be between 0 and the Nyquist frequency ${nyq} Hz (sampling at ${fs} Hz)`);
    }
  }
  if (band === 'bandpass' && !(frequencies[0] < frequencies[1])) {
    throw new Error(`band-pass filter needs freqMin < freqMax, got ${frequencies[0]} and ${frequencies[1]} Hz`);
  }
  // Pre-warp for the bilinear transform with fs = 2 (frequencies normalised to Nyquist), as scipy does.
  const warped = frequencies.map((f) => 4 * Math.tan((Math.PI * (f / nyq)) / 2));
  let zpk = buttap(order);
  if (band === 'lowpass') zpk = lp2lp(zpk, warped[0]);
  else if (band === 'highpass') zpk = lp2hp(zpk, warped[0]);
  else zpk = lp2bp(zpk, Math.sqrt(warped[0] * warped[1]), warped[1] - warped[0]);
  return zpk2sos(bilinear(zpk, 2));
}

function buttap(n: number): Zpk {
  const p: Complex[] = [];
  for (let m = -n + 1; m < n; m += 2) {
    const ang = (Math.PI * m) / (2 * n);
    p.push(c(-Math.cos(ang), -Math.sin(ang)));
  }
  return { z: [], p, k: 1 };
}

function lp2lp({ z, p, k }: Zpk, wo: number): Zpk {
  return { z: z.map((x) => scale(x, wo)), p: p.map((x) => scale(x, wo)), k: k * wo ** (p.length - z.length) };
}

function lp2hp({ z, p, k }: Zpk, wo: number): Zpk {
  const degree = p.length - z.length;
  const zh = z.map((x) => div(c(wo), x));
  for (let i = 0; i < degree; i++) zh.push(c(0));
  const kk = k * div(prod(z.map((x) => scale(x, -1))), prod(p.map((x) => scale(x, -1)))).re;
  return { z: zh, p: p.map((x) => div(c(wo), x)), k: kk };
}

function lp2bp({ z, p, k }: Zpk, wo: number, bw: number): Zpk {
  const degree = p.length - z.length;
  const split = (xs: Complex[]) => {
    const lp = xs.map((x) => scale(x, bw / 2));
    const root = lp.map((x) => csqrt(sub(mul(x, x), c(wo * wo))));
    return [...lp.map((x, i) => add(x, root[i])), ...lp.map((x, i) => sub(x, root[i]))];
  };
  const zb = split(z);
  for (let i = 0; i < degree; i++) zb.push(c(0));
  return { z: zb, p: split(p), k: k * bw ** degree };
}

function bilinear({ z, p, k }: Zpk, fs: number): Zpk {
  const fs2 = c(2 * fs);
  const degree = p.length - z.length;
  const zz = z.map((x) => div(add(fs2, x), sub(fs2, x)));
  for (let i = 0; i < degree; i++) zz.push(c(-1));
  const kk = k * div(prod(z.map((x) => sub(fs2, x))), prod(p.map((x) => sub(fs2, x)))).re;
  return { z: zz, p: p.map((x) => div(add(fs2, x), sub(fs2, x))), k: kk };
}

const isReal = (x: Complex): boolean => x.im === 0;

/** Upper-half-plane members of conjugate pairs, then the real values (sorted), as scipy's _cplxreal. */
function cplxreal(xs: Complex[]): Complex[] {
  const tol = 100 * Number.EPSILON;
  const real: Complex[] = [];
  const upper: Complex[] = [];
  for (const x of xs) {
    if (Math.abs(x.im) <= tol * abs(x)) real.push(c(x.re));
    else if (x.im > 0) upper.push(x);
  }
  real.sort((a, b) => a.re - b.re);
  upper.sort((a, b) => a.re - b.re);
  return [...upper, ...real];
}

function nearestIndex(from: Complex[], to: Complex, which: 'any' | 'real' | 'complex'): number {
  const order = from.map((_, i) => i).sort((i, j) => abs(sub(from[i], to)) - abs(sub(from[j], to)));
  if (which === 'any') return order[0];
  const hit = order.find((i) => isReal(from[i]) === (which === 'real'));
  if (hit === undefined) throw new Error(`zpk2sos: no ${which} zero left to pair (internal error)`);
  return hit;
}

function take(xs: Complex[], i: number): Complex {
  return xs.splice(i, 1)[0];
}

/** [b0 b1 b2 a0 a1 a2] of one section, right-aligned as numpy.poly of fewer roots would be. */
function section(zeros: Complex[], poles: Complex[]): number[] {
  const poly = (r: Complex[]) => {
    let coef: Complex[] = [c(1)];
    for (const root of r) {
      const next: Complex[] = coef.map((x) => x).concat([c(0)]);
      for (let i = 1; i < next.length; i++) next[i] = sub(next[i], mul(root, coef[i - 1]));
      coef = next;
    }
    const re = coef.map((x) => x.re);
    while (re.length < 3) re.unshift(0);
    return re;
  };
  return [...poly(zeros), ...poly(poles)];
}

/** scipy.signal.zpk2sos(z, p, k, pairing='nearest'): poles nearest the unit circle go in the last section. */
function zpk2sos({ z: z0, p: p0, k }: Zpk): Float64Array {
  const z = [...z0];
  const p = [...p0];
  while (z.length < p.length) z.push(c(0));
  while (p.length < z.length) p.push(c(0));
  if (p.length % 2 === 1) {
    z.push(c(0));
    p.push(c(0));
  }
  const nSections = p.length / 2;
  const zs = cplxreal(z);
  const ps = cplxreal(p);
  const sos: number[][] = new Array(nSections);
  for (let si = nSections - 1; si >= 0; si--) {
    let worst = 0;
    for (let i = 1; i < ps.length; i++) if (Math.abs(1 - abs(ps[i])) < Math.abs(1 - abs(ps[worst]))) worst = i;
    const p1 = take(ps, worst);
    const realPolesLeft = ps.filter(isReal).length;
    if (isReal(p1) && realPolesLeft === 0) {
      const z1 = take(zs, nearestIndex(zs, p1, 'real'));
      sos[si] = section([z1, c(0)], [p1, c(0)]);
    } else if (ps.length + 1 === zs.length && !isReal(p1) && realPolesLeft === 1 && zs.filter(isReal).length === 1) {
      const z1 = take(zs, nearestIndex(zs, p1, 'complex'));
      sos[si] = section([z1, conj(z1)], [p1, conj(p1)]);
    } else {
      let p2: Complex;
      if (isReal(p1)) {
        let best = -1;
        ps.forEach((x, i) => {
          if (isReal(x) && (best < 0 || Math.abs(abs(x) - 1) < Math.abs(abs(ps[best]) - 1))) best = i;
        });
        p2 = take(ps, best);
      } else {
        p2 = conj(p1);
      }
      if (zs.length > 0) {
        const z1 = take(zs, nearestIndex(zs, p1, 'any'));
        if (!isReal(z1)) sos[si] = section([z1, conj(z1)], [p1, p2]);
        else if (zs.length > 0) sos[si] = section([z1, take(zs, nearestIndex(zs, p1, 'real'))], [p1, p2]);
        else sos[si] = section([z1], [p1, p2]);
      } else {
        sos[si] = section([], [p1, p2]);
      }
    }
  }
  for (let j = 0; j < 3; j++) sos[0][j] *= k;
  return Float64Array.from(sos.flat());
}

/** |H(e^{jω})| of sections at frequency f (Hz), for checks and plots. */
export function sosMagnitude(sos: Float64Array, f: number, samplingFrequency: number): number {
  const w = (2 * Math.PI * f) / samplingFrequency;
  const e1 = c(Math.cos(-w), Math.sin(-w));
  const e2 = mul(e1, e1);
  let h = c(1);
  for (let s = 0; s < sos.length; s += 6) {
    const num = add(add(c(sos[s]), scale(e1, sos[s + 1])), scale(e2, sos[s + 2]));
    const den = add(add(c(sos[s + 3]), scale(e1, sos[s + 4])), scale(e2, sos[s + 5]));
    h = mul(h, div(num, den));
  }
  return abs(h);
}

/**
 * Steady-state delays of each section for a constant input of 1 (scipy.signal.sosfilt_zi), as
 * numSections × 2; starting from them × x[0] avoids the step transient of a DC offset.
 */
export function sosSteadyState(sos: Float64Array): Float64Array {
  const n = sos.length / 6;
  const zi = new Float64Array(n * 2);
  let level = 1;
  for (let s = 0; s < n; s++) {
    const a0 = sos[s * 6 + 3];
    const [b0, b1, b2, , a1, a2] = Array.from(sos.subarray(s * 6, s * 6 + 6), (v) => v / a0);
    const g = (b0 + b1 + b2) / (1 + a1 + a2);
    const z1 = b2 - a2 * g;
    zi[s * 2] = level * (b1 - a1 * g + z1);
    zi[s * 2 + 1] = level * z1;
    level *= g;
  }
  return zi;
}

/** Samples after which the slowest pole's impulse response has decayed by `decay` (default 1e-6, −120 dB). */
export function sosSettlingSamples(sos: Float64Array, decay = 1e-6): number {
  let slowest = 0;
  for (let s = 0; s < sos.length; s += 6) {
    // Poles of 1 + a1 z⁻¹ + a2 z⁻²: |p|² = a2 for a complex pair, else the larger real root.
    const a1 = sos[s + 4] / sos[s + 3], a2 = sos[s + 5] / sos[s + 3];
    const disc = a1 * a1 - 4 * a2;
    const r = disc < 0 ? Math.sqrt(a2) : Math.max(Math.abs((-a1 + Math.sqrt(disc)) / 2), Math.abs((-a1 - Math.sqrt(disc)) / 2));
    slowest = Math.max(slowest, r);
  }
  if (slowest >= 1) throw new Error('filter is unstable (a pole on or outside the unit circle): lower the order or widen the band');
  if (slowest === 0) return 0;
  return Math.ceil(Math.log(decay) / Math.log(slowest));
}
