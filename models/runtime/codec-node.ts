/** Image decoding and encoding in Node (sharp): header probes, RGBA decode under a pixel limit, PNG, JPEG and WebP encode. */
import sharp from 'sharp';
import { hasTransparency, type RgbaImage } from './image.ts';
import { ImageError, readImageHeader, type ImageHeader } from './image-header.ts';

export { ImageError, type ImageFormat, type ImageHeader } from './image-header.ts';

/** Pixel limit of a decode when the caller names none: sharp's own default, 16383 x 16383. */
export const DEFAULT_DECODE_PIXEL_LIMIT = 0x3fff * 0x3fff;

/** Options of decodeImage. */
export interface DecodeOptions {
  /** Largest image decoded, in pixels; larger ones are refused with `too_many_pixels` (default DEFAULT_DECODE_PIXEL_LIMIT). */
  maxInputPixels?: number;
}

/** Reads format and size from the header only (no codec involved), so images of any claimed size are measured before any decoding. */
export async function probeImage(bytes: Uint8Array): Promise<ImageHeader> {
  return readImageHeader(bytes);
}

/** Decodes to 8-bit sRGB RGBA with EXIF orientation applied; oversized images are refused from the header, corrupt or truncated ones at decode. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RgbaImage> {
  const header = readImageHeader(bytes);
  const limit = Math.max(1, Math.floor(options.maxInputPixels ?? DEFAULT_DECODE_PIXEL_LIMIT));
  if (header.width * header.height > limit) {
    throw new ImageError('too_many_pixels', `the image is ${header.width}x${header.height}, more than the ${limit} pixels allowed`);
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: limit })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    if (/exceeds pixel limit/i.test(reason)) throw new ImageError('too_many_pixels', `the image has more than the ${limit} pixels allowed`);
    throw new ImageError('bad_image', `the image could not be decoded (${reason})`);
  }
}

/** Encodes as PNG; opaque images are written without an alpha channel. */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 }, limitInputPixels: false });
  if (!hasTransparency(image)) pipeline = pipeline.removeAlpha();
  const buffer = await pipeline.png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** The formats {@link encodeImage} writes. */
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The quality (1 to 100) JPEG and WebP are written at when the caller names none. */
export const DEFAULT_OUTPUT_QUALITY = 92;

/** Options of encodeImage. */
export interface EncodeOptions {
  format: OutputFormat;
  /** JPEG and WebP: 1 to 100 (default {@link DEFAULT_OUTPUT_QUALITY}); PNG is lossless and ignores it. */
  quality?: number;
}

/**
 * Encodes as PNG ({@link encodePng}), JPEG or WebP. JPEG has no alpha: an image with transparency is composited over
 * white. JPEG keeps full colour resolution (4:4:4), so thin coloured strokes of upscaled graphics do not bleed; WebP
 * keeps alpha, losslessly.
 */
export async function encodeImage(image: RgbaImage, options: EncodeOptions): Promise<Uint8Array> {
  const { format } = options;
  if (format === 'png') return encodePng(image);
  const quality = options.quality ?? DEFAULT_OUTPUT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`quality must be an integer from 1 to 100, got ${quality}`);
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 }, limitInputPixels: false });
  const transparent = hasTransparency(image);
  if (format === 'jpeg') {
    pipeline = (transparent ? pipeline.flatten({ background: '#ffffff' }) : pipeline.removeAlpha()).jpeg({ quality, chromaSubsampling: '4:4:4' });
  } else {
    pipeline = (transparent ? pipeline : pipeline.removeAlpha()).webp({ quality, alphaQuality: 100, smartSubsample: true });
  }
  const buffer = await pipeline.toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
