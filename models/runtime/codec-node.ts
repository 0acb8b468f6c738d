/** Image decoding and encoding in Node (sharp): header probes, RGBA decode, PNG encode. */
import sharp, { type Metadata } from 'sharp';
import { hasTransparency, type RgbaImage } from './image.ts';

/** Formats the runtime accepts. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';
const FORMATS: readonly string[] = ['png', 'jpeg', 'webp'];

/** A refused image, with a stable code: `not_an_image` (unknown or unsupported format) or `bad_image` (corrupt, truncated). */
export class ImageError extends Error {
  override name = 'ImageError';
  constructor(
    readonly code: 'not_an_image' | 'bad_image',
    message: string,
  ) {
    super(message);
  }
}

/** What the header says, read without decoding pixels; size is after EXIF orientation. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Reads format and size from the header only, so oversized images are refused before any decoding. */
export async function probeImage(bytes: Uint8Array): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw new ImageError('not_an_image', 'not a PNG, JPEG or WebP image');
  }
  if (!meta.format || !FORMATS.includes(meta.format)) {
    throw new ImageError('not_an_image', `${meta.format ?? 'unknown'} images are not supported; send PNG, JPEG or WebP`);
  }
  const oriented = meta.autoOrient ?? meta;
  if (!oriented.width || !oriented.height) throw new ImageError('bad_image', 'the image header has no size');
  return { format: meta.format as ImageFormat, width: oriented.width, height: oriented.height };
}

/** Decodes to 8-bit sRGB RGBA with EXIF orientation applied; corrupt or truncated data is refused. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaImage> {
  await probeImage(bytes);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: false })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new ImageError('bad_image', `the image could not be decoded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}

/** Encodes as PNG; opaque images are written without an alpha channel. */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 }, limitInputPixels: false });
  if (!hasTransparency(image)) pipeline = pipeline.removeAlpha();
  const buffer = await pipeline.png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
