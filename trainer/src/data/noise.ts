/** Additive Gaussian and Poisson (shot) noise, in colour or grey, as in Real-ESRGAN's *_pt noise functions. */
import type { PlanarImage } from './image.ts';
import type { Rng } from './rng.ts';

/** Fill `out` with independent N(0, sigma²) deviates (Box–Muller, both outputs used). */
export function fillNormal(rng: Rng, out: Float32Array, sigma: number): void {
  for (let i = 0; i < out.length; i += 2) {
    const radius = sigma * Math.sqrt(-2 * Math.log(1 - rng.next()));
    const angle = 2 * Math.PI * rng.next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}

/** Add `noise` (one plane for grey noise, or one per channel) times `scale` and clamp to [0, 1], in place. */
function addNoiseInPlace(image: PlanarImage, noise: Float32Array, scale: number): void {
  const plane = image.width * image.height;
  const grey = noise.length === plane;
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const v = (d[i] as number) + scale * (noise[grey ? i % plane : i] as number);
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** Add Gaussian noise with standard deviation sigma/255, the same in all channels when `grey`; clamps to [0, 1]. */
export function addGaussianNoise(image: PlanarImage, rng: Rng, sigma: number, grey: boolean): void {
  const noise = new Float32Array(grey ? image.width * image.height : image.data.length);
  fillNormal(rng, noise, sigma / 255);
  addNoiseInPlace(image, noise, 1);
}

/** Inverse-CDF tables of Poisson(lambda) for each 8-bit level (level/255 * vals), built on demand. */
class PoissonTables {
  private readonly tables = new Map<number, Float64Array>();
  constructor(private readonly vals: number) {}

  /** Draw Poisson(level/255 * vals) with one uniform. */
  sample(level: number, u: number): number {
    let cdf = this.tables.get(level);
    if (!cdf) {
      cdf = poissonCdf((level / 255) * this.vals);
      this.tables.set(level, cdf);
    }
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Cumulative Poisson(lambda) probabilities until the tail is below double precision. */
export function poissonCdf(lambda: number): Float64Array {
  const values: number[] = [];
  let p = Math.exp(-lambda);
  let total = 0;
  for (let n = 0; ; n++) {
    total += p;
    values.push(total);
    if (n > lambda && (p < 1e-17 || total >= 1)) break;
    p *= lambda / (n + 1);
  }
  values[values.length - 1] = Infinity;
  return Float64Array.from(values);
}

/**
 * 8-bit levels of each value (clamped and rounded) and the Poisson count scale: BasicSR's 2^ceil(log2(#distinct
 * levels)), raised to `minCounts`.
 */
function quantizedLevels(values: Float32Array, minCounts: number): { levels: Uint8Array; vals: number } {
  const levels = new Uint8Array(values.length);
  const seen = new Uint8Array(256);
  let distinct = 0;
  for (let i = 0; i < values.length; i++) {
    const q = Math.min(255, Math.max(0, Math.round((values[i] as number) * 255)));
    levels[i] = q;
    if (!seen[q]) {
      seen[q] = 1;
      distinct++;
    }
  }
  return { levels, vals: Math.max(minCounts, 2 ** Math.ceil(Math.log2(distinct))) };
}

/** Poisson noise of quantised values: poisson(v * vals) / vals - v for each value. */
function poissonNoise(values: Float32Array, rng: Rng, minCounts: number): Float32Array {
  const { levels, vals } = quantizedLevels(values, minCounts);
  const tables = new PoissonTables(vals);
  const noise = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const level = levels[i] as number;
    noise[i] = tables.sample(level, rng.next()) / vals - level / 255;
  }
  return noise;
}

/** Luma as torchvision's rgb_to_grayscale computes it. */
function greyPlane(image: PlanarImage): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(plane);
  const d = image.data;
  for (let i = 0; i < plane; i++) out[i] = 0.2989 * (d[i] as number) + 0.587 * (d[plane + i] as number) + 0.114 * (d[2 * plane + i] as number);
  return out;
}

/**
 * Add Poisson (shot) noise times `scale`, computed on the luma and shared by all channels when `grey`; clamps to [0, 1].
 * Counts per unit intensity are BasicSR's (from the number of distinct levels) but at least `minCounts` (1: BasicSR's own).
 */
export function addPoissonNoise(image: PlanarImage, rng: Rng, scale: number, grey: boolean, minCounts = 1): void {
  if (image.channels !== 3 && grey) throw new Error('grey Poisson noise needs an RGB image');
  const noise = poissonNoise(grey ? greyPlane(image) : image.data, rng, minCounts);
  addNoiseInPlace(image, noise, scale);
}
