/** An 8-bit RGBA image, rows top to bottom, channels interleaved (the layout canvases and sharp use). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Allocates a transparent black RGBA image. */
export function createRgbaImage(width: number, height: number): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  return { width, height, data: new Uint8Array(width * height * 4) };
}

/** True when any pixel is not fully opaque. */
export function hasTransparency(image: RgbaImage): boolean {
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}
