/** Colour for fully transparent pixels, so a model that sees colour only never pulls black into soft edges. */
import type { RgbaImage } from './image.ts';

/**
 * Returns a copy whose fully transparent pixels take the average colour of their nearest
 * non-transparent neighbours (grown ring by ring); alpha is unchanged.
 */
export function bleedTransparentColors(image: RgbaImage, maxRings = 64): RgbaImage {
  const { width, height } = image;
  const data = image.data.slice();
  let filled = Uint8Array.from({ length: width * height }, (_, i) => ((data[i * 4 + 3] as number) > 0 ? 1 : 0));
  for (let ring = 0; ring < maxRings; ring++) {
    const next = filled.slice();
    let changed = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (filled[i]) continue;
        const sum = [0, 0, 0, 0];
        for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height || !filled[ny * width + nx]) continue;
          const p = (ny * width + nx) * 4;
          for (let c = 0; c < 3; c++) sum[c]! += data[p + c] as number;
          sum[3]!++;
        }
        if (sum[3] === 0) continue;
        for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(sum[c]! / sum[3]!);
        next[i] = 1;
        changed++;
      }
    }
    filled = next;
    if (changed === 0) break;
  }
  return { width, height, data };
}
