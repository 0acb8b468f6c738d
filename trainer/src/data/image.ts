/** Float32 planar RGB images ([3, H, W], values nominally in [0, 1]) and the cheap operations on them. */

/** A planar float image: channel c, row y, column x lives at `data[(c * height + y) * width + x]`. */
export interface PlanarImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/** A zero-filled planar image. */
export function createImage(width: number, height: number, channels = 3): PlanarImage {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new Error(`bad image size ${width}x${height}`);
  }
  return { width, height, channels, data: new Float32Array(width * height * channels) };
}

/** A deep copy. */
export function cloneImage(image: PlanarImage): PlanarImage {
  return { ...image, data: image.data.slice() };
}

/** Clamp every value to [0, 1] in place; returns the same image. */
export function clamp01InPlace(image: PlanarImage): PlanarImage {
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return image;
}

/** Clamp to [0, 1] and round to the 8-bit grid (what storing as uint8 would do), in place. */
export function quantize8InPlace(image: PlanarImage): PlanarImage {
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const v = Math.round((d[i] as number) * 255);
    d[i] = (v < 0 ? 0 : v > 255 ? 255 : v) / 255;
  }
  return image;
}

/** Planar float image from interleaved 8-bit RGB (3 bytes per pixel). */
export function fromInterleavedRgb8(bytes: Uint8Array, width: number, height: number): PlanarImage {
  const image = createImage(width, height, 3);
  const plane = width * height;
  const d = image.data;
  for (let i = 0; i < plane; i++) {
    d[i] = (bytes[3 * i] as number) / 255;
    d[plane + i] = (bytes[3 * i + 1] as number) / 255;
    d[2 * plane + i] = (bytes[3 * i + 2] as number) / 255;
  }
  return image;
}

/** Interleaved 8-bit RGB from a planar float image (clamped and rounded). */
export function toInterleavedRgb8(image: PlanarImage): Uint8Array {
  if (image.channels !== 3) throw new Error('expected 3 channels');
  const plane = image.width * image.height;
  const out = new Uint8Array(plane * 3);
  const d = image.data;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[3 * i + c] = Math.round(Math.min(1, Math.max(0, d[c * plane + i] as number)) * 255);
  }
  return out;
}

/** Reflect an index into [0, n) without repeating the edge (numpy "reflect", OpenCV REFLECT_101). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** A rectangle cut from the image; parts outside are filled by reflection (REFLECT_101). */
export function cropReflect(image: PlanarImage, left: number, top: number, width: number, height: number): PlanarImage {
  const out = createImage(width, height, image.channels);
  const cols = Int32Array.from({ length: width }, (_, x) => reflectIndex(left + x, image.width));
  for (let c = 0; c < image.channels; c++) {
    for (let y = 0; y < height; y++) {
      const src = (c * image.height + reflectIndex(top + y, image.height)) * image.width;
      const dst = (c * height + y) * width;
      for (let x = 0; x < width; x++) out.data[dst + x] = image.data[src + (cols[x] as number)] as number;
    }
  }
  return out;
}

/** Mirror left-right. */
export function flipHorizontal(image: PlanarImage): PlanarImage {
  const { width, height, channels } = image;
  const out = createImage(width, height, channels);
  for (let row = 0; row < channels * height; row++) {
    const base = row * width;
    for (let x = 0; x < width; x++) out.data[base + x] = image.data[base + width - 1 - x] as number;
  }
  return out;
}

/** Mirror top-bottom. */
export function flipVertical(image: PlanarImage): PlanarImage {
  const { width, height, channels } = image;
  const out = createImage(width, height, channels);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const src = (c * height + (height - 1 - y)) * width;
      out.data.set(image.data.subarray(src, src + width), (c * height + y) * width);
    }
  }
  return out;
}

/** Swap rows and columns (with a vertical flip, this makes a 90° rotation). */
export function transpose(image: PlanarImage): PlanarImage {
  const { width, height, channels } = image;
  const out = createImage(height, width, channels);
  for (let c = 0; c < channels; c++) {
    const plane = c * width * height;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out.data[plane + x * height + y] = image.data[plane + y * width + x] as number;
    }
  }
  return out;
}
