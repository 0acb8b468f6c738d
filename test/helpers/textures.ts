/** Deterministic natural-ish textures (no image library involved), for metric tests. */
import type { RgbaImage } from '../../models/runtime/index.ts';

/** Sums of random-phase sinusoids at a few octaves plus seeded noise, 8-bit RGB. */
export function texture(width: number, height: number, seed: number, roughness: number): RgbaImage {
  let s = seed;
  const random = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const waves = Array.from({ length: 12 }, (_, k) => ({ fx: (random() - 0.5) * 0.02 * 2 ** (k / 2), fy: (random() - 0.5) * 0.02 * 2 ** (k / 2), phase: random() * 6.283, amp: 1 / (1 + k * (1 - roughness)) }));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const w of waves) v += w.amp * Math.sin(w.fx * x * 6.283 + w.fy * y * 6.283 + w.phase);
      const base = 128 + 28 * v + roughness * 40 * (random() - 0.5);
      const p = (y * width + x) * 4;
      data[p] = Math.max(0, Math.min(255, Math.round(base + 20 * Math.sin(x * 0.05))));
      data[p + 1] = Math.max(0, Math.min(255, Math.round(base)));
      data[p + 2] = Math.max(0, Math.min(255, Math.round(base - 15 * Math.cos(y * 0.04))));
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}
