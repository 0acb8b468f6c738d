/** Deterministic test images for runtime, bridge and browser tests. */
import type { RgbaImage } from '../../models/runtime/index.ts';

/** A smooth diagonal gradient, opaque. */
export function gradientImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = Math.round((255 * x) / Math.max(width - 1, 1));
      data[p + 1] = Math.round((255 * y) / Math.max(height - 1, 1));
      data[p + 2] = Math.round((255 * (x + y)) / Math.max(width + height - 2, 1));
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}

/** Busy texture with hard edges and partial transparency: a worst case for tiling and alpha. */
export function patternImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = (x * 37 + y * 11) % 256;
      data[p + 1] = ((x >> 2) + (y >> 2)) % 2 ? 230 : 20;
      data[p + 2] = (x * y * 7) % 256;
      data[p + 3] = x < width / 4 ? 0 : x < width / 2 ? 128 : (x + y) % 9 === 0 ? 60 : 255;
    }
  }
  return { width, height, data };
}

/** Largest absolute per-channel difference between two images of the same size. */
export function maxDifference(a: RgbaImage, b: RgbaImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return max;
}

/** A 16×16 transparent black image with an opaque 8×8 square of `color` in the middle. */
export function squareOnTransparent(color: readonly [number, number, number] = [40, 200, 90]): RgbaImage {
  const image = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 4) };
  for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) image.data.set([...color, 255], (y * 16 + x) * 4);
  return image;
}

/**
 * Counts the partly transparent pixels of an upscaled `squareOnTransparent`, checking on the way that
 * every visible pixel kept the square's colour (a dark fringe would pull soft edges towards black).
 */
export function softPixelsKeepingColor(out: RgbaImage, color: readonly [number, number, number] = [40, 200, 90]): { soft: number; wrong: number } {
  let soft = 0;
  let wrong = 0;
  for (let i = 0; i < out.data.length; i += 4) {
    if (out.data[i + 3] === 0) continue;
    if (out.data[i + 3]! < 255) soft++;
    if (out.data[i] !== color[0] || out.data[i + 1] !== color[1] || out.data[i + 2] !== color[2]) wrong++;
  }
  return { soft, wrong };
}

/** Seeded standard normal draws (Box-Muller on a Park-Miller generator). */
function gaussians(seed: number): () => number {
  let s = seed;
  const uniform = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A grey image from a luma function of (x, y), plus Gaussian noise of `sigma` levels (the same on R, G and B), not rounded away: values are kept in 0..255. */
export function grey(size: number, luma: (x: number, y: number) => number, sigma = 0, seed = 7): RgbaImage {
  const normal = gaussians(seed);
  const data = new Uint8Array(4 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = Math.max(0, Math.min(255, Math.round(luma(x, y) + sigma * normal())));
      data.fill(v, 4 * (y * size + x), 4 * (y * size + x) + 3);
      data[4 * (y * size + x) + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

/** A dark diagonal gradient, 40 levels over the image: a wallpaper's backdrop. */
export const backdrop = (size: number) => (x: number, y: number): number => 40 + (20 * (x + y)) / size;
