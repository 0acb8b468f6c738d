/** The deterministic test image the benchmarks upscale: gradients, a checkerboard and optionally a soft alpha edge. */
import type { RgbaImage } from '../models/runtime/index.ts';

/** Which alpha the benchmark image has: none, a smooth diagonal ramp, or hard antialiased edges (a grid of discs, like icons). */
export type SyntheticAlpha = 'opaque' | 'ramp' | 'edges';

/** Alpha of a grid of 8 × 8 discs with one-pixel antialiased rims: an edge in almost every tile. */
function discAlpha(x: number, y: number, size: number): number {
  const cell = size / 8;
  const [cx, cy] = [((x + 0.5) % cell) - cell / 2, ((y + 0.5) % cell) - cell / 2];
  return Math.round(255 * Math.min(1, Math.max(0, 0.35 * cell - Math.hypot(cx, cy) + 0.5)));
}

/** A size × size image; with `alpha` (true: the ramp), transparency ramps along the diagonal or outlines discs. */
export function syntheticImage(size: number, alpha: boolean | SyntheticAlpha): RgbaImage {
  const kind: SyntheticAlpha = alpha === true ? 'ramp' : alpha === false ? 'opaque' : alpha;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = kind === 'ramp' ? Math.min(255, Math.max(0, ((x + y) * 255) / size - 20)) : kind === 'edges' ? discAlpha(x, y, size) : 255;
      data.set([(x * 255) / size, ((x >> 3) + (y >> 3)) % 2 ? 220 : 30, (y * 255) / size, a], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}
