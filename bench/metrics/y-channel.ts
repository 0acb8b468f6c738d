/** Luma as SR papers measure it: MATLAB's YCbCr Y (BT.601, studio range 16–235) of 8-bit RGB. */
import type { RgbaImage } from '../../models/runtime/index.ts';

/** Y in [16, 235] (as 0..255 floats) of each pixel, row-major. */
export function yChannel(image: RgbaImage): Float64Array {
  const out = new Float64Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) {
    const p = i * 4;
    out[i] = 16 + (65.481 * image.data[p]! + 128.553 * image.data[p + 1]! + 24.966 * image.data[p + 2]!) / 255;
  }
  return out;
}

/** A plane without `border` pixels on each side. */
export function cropBorder(plane: Float64Array, height: number, width: number, border: number): { data: Float64Array; height: number; width: number } {
  const h = height - 2 * border;
  const w = width - 2 * border;
  if (h <= 0 || w <= 0) throw new RangeError(`a ${border} px border leaves nothing of ${width}×${height}`);
  const data = new Float64Array(h * w);
  for (let y = 0; y < h; y++) data.set(plane.subarray((y + border) * width + border, (y + border) * width + border + w), y * w);
  return { data, height: h, width: w };
}

/** Rounds as numpy does (half to even) after the float32 steps of BasicSR's `to_y_channel`, so NIQE sees the same integers. */
export function roundLikeReference(plane: Float64Array): Float64Array {
  return plane.map((v) => {
    const f = Math.fround(Math.fround(Math.fround(v / 255) * 255));
    const r = Math.round(f);
    return r - f === 0.5 && r % 2 !== 0 ? r - 1 : r;
  });
}
