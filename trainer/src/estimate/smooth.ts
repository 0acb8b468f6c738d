/**
 * Generated smooth clean images for the learned degradation estimate: the soft gradients, glows and blurred shapes a
 * designer pastes, which training photos and icons hold few of. Without them the net reads softness as blur and calls
 * clean gradients degraded. Drawn in float, 8-bit-quantised like a PNG.
 */
import { quantize8InPlace, type PlanarImage, type Rng } from '../data/index.ts';

/** A random colour in [0, 1]³. */
const colour = (rng: Rng): [number, number, number] => [rng.next(), rng.next(), rng.next()];

/**
 * One size² generated clean image: a smooth one ({@link smoothGradient}) or a pattern of
 * sinusoids ({@link wavePattern}), half and half.
 */
export function smoothImage(size: number, rng: Rng): PlanarImage {
  return rng.chance(0.5) ? wavePattern(size, rng) : smoothGradient(size, rng);
}

/**
 * A clean pattern: 4–12 sinusoids of random direction, with frequencies spread over octaves up to 0.05–0.45 cycles
 * per pixel and amplitudes falling with frequency, mapped between two random colours; no noise.
 */
export function wavePattern(size: number, rng: Rng): PlanarImage {
  const [from, to] = [colour(rng), colour(rng)];
  const top = rng.uniform(0.05, 0.45);
  const count = rng.int(4, 12);
  const waves = Array.from({ length: count }, (_, k) => {
    const f = top * 2 ** (-(count - 1 - k) / 2);
    const angle = rng.uniform(0, 2 * Math.PI);
    return { fx: f * Math.cos(angle), fy: f * Math.sin(angle), phase: rng.uniform(0, 2 * Math.PI), amp: 1 / (1 + k * rng.uniform(0.3, 1)) };
  });
  const total = waves.reduce((a, w) => a + w.amp, 0);
  const data = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0;
      for (const w of waves) v += w.amp * Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase);
      const t = 0.5 + (0.5 * v) / total;
      for (let c = 0; c < 3; c++) data[(c * size + y) * size + x] = from[c]! + t * (to[c]! - from[c]!);
    }
  }
  return quantize8InPlace({ width: size, height: size, channels: 3, data });
}

/**
 * One size² smooth image: a linear or radial gradient between two random colours, plus up to three soft blobs
 * (Gaussian, radius 5–40 % of the side) and a low-frequency ripple (≤ 3 cycles) of up to 6 % amplitude.
 */
export function smoothGradient(size: number, rng: Rng): PlanarImage {
  const [from, to] = [colour(rng), colour(rng)];
  const radial = rng.chance(0.4);
  const angle = rng.uniform(0, 2 * Math.PI);
  const [cx, cy] = [rng.uniform(-0.2, 1.2), rng.uniform(-0.2, 1.2)];
  const reach = rng.uniform(0.5, 1.5);
  const blobs = Array.from({ length: rng.int(0, 3) }, () => ({ x: rng.next(), y: rng.next(), r: rng.uniform(0.05, 0.4), c: colour(rng), a: rng.uniform(0.2, 0.8) }));
  const ripple = { fx: rng.uniform(0, 3), fy: rng.uniform(0, 3), phase: rng.uniform(0, 2 * Math.PI), a: rng.uniform(0, 0.06) };
  const data = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [u, v] = [x / (size - 1), y / (size - 1)];
      const t0 = radial ? Math.hypot(u - cx, v - cy) / reach : 0.5 + ((u - 0.5) * Math.cos(angle) + (v - 0.5) * Math.sin(angle)) / reach;
      const t = Math.max(0, Math.min(1, t0));
      const wave = ripple.a * Math.sin(2 * Math.PI * (ripple.fx * u + ripple.fy * v) + ripple.phase);
      for (let c = 0; c < 3; c++) {
        let value = from[c]! + t * (to[c]! - from[c]!);
        for (const b of blobs) {
          const w = b.a * Math.exp(-((u - b.x) ** 2 + (v - b.y) ** 2) / (2 * b.r * b.r));
          value += w * (b.c[c]! - value);
        }
        data[(c * size + y) * size + x] = Math.max(0, Math.min(1, value + wave));
      }
    }
  }
  return quantize8InPlace({ width: size, height: size, channels: 3, data });
}
