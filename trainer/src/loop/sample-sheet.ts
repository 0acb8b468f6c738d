/** Sample sheets: a row of images (e.g. LR | student | HR) side by side, saved as PNG. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

/** One planar RGB image [3, size, size] with values in `range`. */
export interface SheetImage {
  data: Float32Array;
  sizePx: number;
}

/** Interleaved 8-bit RGB of a planar image, nearest-neighbour scaled to `sizePx`, values mapped from [lo, hi]. */
function toRgb(image: SheetImage, sizePx: number, range: readonly [number, number]): Uint8Array {
  const out = new Uint8Array(sizePx * sizePx * 3);
  const plane = image.sizePx * image.sizePx;
  const [lo, hi] = range;
  for (let y = 0; y < sizePx; y++) {
    const sy = Math.floor((y * image.sizePx) / sizePx);
    for (let x = 0; x < sizePx; x++) {
      const sx = Math.floor((x * image.sizePx) / sizePx);
      for (let c = 0; c < 3; c++) {
        const v = ((image.data[c * plane + sy * image.sizePx + sx] as number) - lo) / (hi - lo);
        out[(y * sizePx + x) * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
  return out;
}

/** Writes the images side by side at the size of the largest, values mapped from `range` (default [0, 1]). */
export async function writeSampleSheet(path: string, images: readonly SheetImage[], range: readonly [number, number] = [0, 1]): Promise<void> {
  await writeSampleGrid(path, [images], range);
}

/** Writes rows of images (e.g. one LR | student | HR row per held-out crop), every cell at the size of the largest. */
export async function writeSampleGrid(path: string, rows: readonly (readonly SheetImage[])[], range: readonly [number, number] = [0, 1]): Promise<void> {
  const cells = rows.flat();
  if (cells.length === 0) throw new Error('a sample sheet needs at least one image');
  const sizePx = Math.max(...cells.map((i) => i.sizePx));
  const columns = Math.max(...rows.map((r) => r.length));
  const width = sizePx * columns;
  const height = sizePx * rows.length;
  const pixels = new Uint8Array(width * height * 3).fill(255);
  rows.forEach((row, r) => row.forEach((image, k) => {
    const rgb = toRgb(image, sizePx, range);
    for (let y = 0; y < sizePx; y++) pixels.set(rgb.subarray(y * sizePx * 3, (y + 1) * sizePx * 3), ((r * sizePx + y) * width + k * sizePx) * 3);
  }));
  await mkdir(dirname(path), { recursive: true });
  await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

/** The first image of a stacked [n, 3, s, s] batch array. */
export function firstOfBatch(data: Float32Array, sizePx: number): SheetImage {
  return { data: data.subarray(0, 3 * sizePx * sizePx), sizePx };
}
