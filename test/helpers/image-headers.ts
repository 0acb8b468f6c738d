/** Small real PNG/JPEG/WebP files and copies whose headers claim another size, for pixel-limit and fuzz tests. */
import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from '../../models/runtime/image-header.ts';

/** A small image with varied pixels, encoded in each accepted format (WebP lossless, so its first chunk is VP8L). */
export async function sampleImages(width = 8, height = 6): Promise<Record<ImageFormat, Buffer>> {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 37) % 256, (i * 59) % 256, (i * 13) % 256, 255 - ((i * 7) % 64)], i * 4);
  const raw = (): Sharp => sharp(data, { raw: { width, height, channels: 4 } });
  return {
    png: await raw().png().toBuffer(),
    jpeg: await raw().jpeg({ quality: 80 }).toBuffer(),
    webp: await raw().webp({ lossless: true }).toBuffer(),
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Offset of the first JPEG start-of-frame segment's length field (after the FFCn marker). */
export function jpegFrameOffset(jpeg: Uint8Array): number {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return at + 2;
    at += 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
  }
  throw new Error('no start-of-frame segment');
}

/**
 * A copy of a real image whose header claims `width` x `height`: PNG with IHDR patched (CRC fixed), JPEG with its
 * frame header patched, WebP rewrapped as an extended (VP8X) file whose canvas has that size.
 */
export function claimSize(format: ImageFormat, image: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(image);
  if (format === 'png') {
    out.writeUInt32BE(width, 16);
    out.writeUInt32BE(height, 20);
    out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
    return out;
  }
  if (format === 'jpeg') {
    const frame = jpegFrameOffset(out);
    out.writeUInt16BE(height, frame + 3);
    out.writeUInt16BE(width, frame + 5);
    return out;
  }
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(width - 1, 12, 3);
  vp8x.writeUIntLE(height - 1, 15, 3);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), vp8x, image.subarray(12)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}
