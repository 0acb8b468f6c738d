/** Moving pixels between 8-bit RGBA images and planar float tiles in a model's value range. */
import type { RgbaImage } from './image.ts';
import { clampByte, writeUnpremultiplied } from './resize.ts';

/** What a tile holds: the (premultiplied) colour, or the alpha channel repeated in all three planes. */
export type TileContent = 'color' | 'alpha';

/**
 * Copies a width × height window at (x, y) into three planes at `offset` of `out`, mapping 0..255
 * linearly onto `range`. Colour is premultiplied by alpha when `premultiply` is set.
 */
export function readTile(
  image: RgbaImage,
  x: number,
  y: number,
  width: number,
  height: number,
  content: TileContent,
  premultiply: boolean,
  range: readonly [number, number],
  out: Float32Array,
  offset: number,
): void {
  const [lo, hi] = range;
  const k = (hi - lo) / 255;
  const plane = width * height;
  const { data } = image;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const p = ((y + j) * image.width + x + i) * 4;
      const q = offset + j * width + i;
      const a = data[p + 3] as number;
      if (content === 'alpha') {
        out[q] = out[q + plane] = out[q + 2 * plane] = lo + a * k;
        continue;
      }
      const m = premultiply ? a / 255 : 1;
      out[q] = lo + (data[p] as number) * m * k;
      out[q + plane] = lo + (data[p + 1] as number) * m * k;
      out[q + 2 * plane] = lo + (data[p + 2] as number) * m * k;
    }
  }
}

/** Maps `count` values at `offset` from the model's range back to 0..1 in place. */
export function toUnitRange(data: Float32Array, offset: number, count: number, range: readonly [number, number]): void {
  const [lo, hi] = range;
  if (lo === 0 && hi === 1) return;
  const k = 1 / (hi - lo);
  for (let i = offset; i < offset + count; i++) data[i] = ((data[i] as number) - lo) * k;
}

/**
 * Writes one finished output row. `values` holds per pixel r, g, b (0..1, premultiplied when the
 * image has alpha) and, when `withAlpha`, a; opaque images get alpha 255.
 */
export function writeRow(out: RgbaImage, row: number, values: Float32Array, withAlpha: boolean): void {
  const stride = withAlpha ? 4 : 3;
  const base = row * out.width * 4;
  for (let i = 0; i < out.width; i++) {
    const v = i * stride;
    const p = base + i * 4;
    if (withAlpha) {
      writeUnpremultiplied(out.data, p, (values[v] as number) * 255, (values[v + 1] as number) * 255, (values[v + 2] as number) * 255, (values[v + 3] as number) * 255);
    } else {
      out.data[p] = clampByte((values[v] as number) * 255);
      out.data[p + 1] = clampByte((values[v + 1] as number) * 255);
      out.data[p + 2] = clampByte((values[v + 2] as number) * 255);
      out.data[p + 3] = 255;
    }
  }
}
