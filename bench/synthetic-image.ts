/** The deterministic test image the benchmarks upscale: gradients, a checkerboard and optionally a soft alpha edge. */
import type { RgbaImage } from '../models/runtime/index.ts';

/** A size × size image; with `alpha`, transparency ramps along the diagonal. */
export function syntheticImage(size: number, alpha: boolean): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = alpha ? Math.min(255, Math.max(0, ((x + y) * 255) / size - 20)) : 255;
      data.set([(x * 255) / size, ((x >> 3) + (y >> 3)) % 2 ? 220 : 30, (y * 255) / size, a], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}
