/** Pixel helpers for the plugin tests: PNGs made and read with sharp. */
import sharp from 'sharp';

/** An opaque diagonal colour gradient as PNG. */
export async function gradientPng(width: number, height: number): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([(255 * x) / width, (255 * y) / height, 128, 255], (y * width + x) * 4);
  }
  return new Uint8Array(await sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer());
}

/** Size, format, and the alpha of the corner and centre pixels of an image. */
export async function describeImage(bytes: Uint8Array): Promise<{ width: number; height: number; format: string; cornerAlpha: number; centreAlpha: number }> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3]!;
  const meta = await sharp(bytes).metadata();
  return { width: info.width, height: info.height, format: meta.format!, cornerAlpha: alphaAt(0, 0), centreAlpha: alphaAt(info.width >> 1, info.height >> 1) };
}
