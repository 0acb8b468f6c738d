/** Hostile image bodies: real small PNG/JPEG/WebP files with bit flips, truncation, size lies, chunk-length lies and random tails. */
import sharp from 'sharp';
import type { ImageFormat } from '../../models/runtime/image-header.ts';
import { claimSize, crc32, jpegFrameOffset, sampleImages } from '../helpers/image-headers.ts';
import type { Random } from './random.ts';

/** A real image to mutate, and which layout its header has. */
export interface BaseImage {
  format: ImageFormat;
  layout: 'png' | 'jpeg' | 'vp8' | 'vp8l' | 'vp8x';
  bytes: Buffer;
}

/** Small real images covering each header layout the probe reads (PNG, baseline/progressive/EXIF JPEG, WebP VP8/VP8L/VP8X). */
export async function baseImages(): Promise<BaseImage[]> {
  const { png, jpeg, webp } = await sampleImages(8, 6);
  const oriented = await sharp(png).jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer();
  const lossy = await sharp(png).webp({ quality: 60 }).toBuffer();
  return [
    { format: 'png', layout: 'png', bytes: png },
    { format: 'jpeg', layout: 'jpeg', bytes: jpeg },
    { format: 'jpeg', layout: 'jpeg', bytes: oriented },
    { format: 'webp', layout: 'vp8l', bytes: webp },
    { format: 'webp', layout: lossy.subarray(12, 16).toString('latin1') === 'VP8X' ? 'vp8x' : 'vp8', bytes: lossy },
    { format: 'webp', layout: 'vp8x', bytes: claimSize('webp', webp, 8, 6) },
  ];
}

const SIDES = [0, 1, 2, 5, 8, 9, 64, 65, 255, 4096, 16383, 16384, 60000, 65535, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** Writes a claimed size into the header where this layout keeps it (truncated to the field's width). */
function lieAboutSize(random: Random, base: BaseImage, width: number, height: number): Buffer {
  const out = Buffer.from(base.bytes);
  switch (base.layout) {
    case 'png':
      out.writeUInt32BE(width >>> 0, 16);
      out.writeUInt32BE(height >>> 0, 20);
      if (random.chance(0.7)) out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
      return out;
    case 'jpeg': {
      const frame = jpegFrameOffset(out);
      out.writeUInt16BE(height & 0xffff, frame + 3);
      out.writeUInt16BE(width & 0xffff, frame + 5);
      return out;
    }
    case 'vp8l': {
      const bits = (out.readUInt32LE(21) & ~0x0fffffff) | (((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14));
      out.writeUInt32LE(bits >>> 0, 21);
      return out;
    }
    case 'vp8':
      out.writeUInt16LE(width & 0x3fff, 26);
      out.writeUInt16LE(height & 0x3fff, 28);
      return out;
    default:
      out.writeUIntLE((width - 1) & 0xffffff, 24, 3);
      out.writeUIntLE((height - 1) & 0xffffff, 27, 3);
      return out;
  }
}

/** Offsets of length fields a decoder trusts: PNG chunk lengths, JPEG segment lengths, RIFF and WebP chunk sizes. */
function lengthFields(base: BaseImage): { at: number; size: 2 | 4; littleEndian: boolean }[] {
  const bytes = base.bytes;
  if (base.format === 'png') {
    const fields: { at: number; size: 4; littleEndian: boolean }[] = [];
    for (let at = 8; at + 8 <= bytes.length; at += 12 + bytes.readUInt32BE(at)) fields.push({ at, size: 4, littleEndian: false });
    return fields;
  }
  if (base.format === 'jpeg') {
    const fields: { at: number; size: 2; littleEndian: boolean }[] = [];
    for (let at = 2; at + 4 <= bytes.length && bytes[at + 1] !== 0xda; at += 2 + bytes.readUInt16BE(at + 2)) fields.push({ at: at + 2, size: 2, littleEndian: false });
    return fields;
  }
  return [{ at: 4, size: 4, littleEndian: true }, { at: 16, size: 4, littleEndian: true }];
}

function lieAboutLength(random: Random, base: BaseImage): Buffer {
  const out = Buffer.from(base.bytes);
  const field = random.pick(lengthFields(base));
  const value = random.pick([0, 1, 2, 3, 13, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, random.int(0x10000)]) % 2 ** (field.size * 8);
  if (field.size === 2) out.writeUInt16BE(value, field.at);
  else if (field.littleEndian) out.writeUInt32LE(value >>> 0, field.at);
  else out.writeUInt32BE(value >>> 0, field.at);
  return out;
}

function flipBits(random: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const flips = random.range(1, 8);
  const span = random.chance(0.7) ? Math.min(out.length, 64) : out.length;
  for (let i = 0; i < flips; i++) {
    const at = random.int(span);
    out[at] = out[at]! ^ (1 << random.int(8));
  }
  return out;
}

/** One hostile image body, mostly built from a real image, sometimes from nothing at all. */
export function hostileImage(random: Random, bases: readonly BaseImage[]): Buffer {
  const base = random.pick(bases);
  switch (random.int(9)) {
    case 0: case 1: return flipBits(random, base.bytes);
    case 2: return base.bytes.subarray(0, random.length(base.bytes.length));
    case 3: return lieAboutSize(random, base, random.pick(SIDES), random.chance(0.5) ? random.pick(SIDES) : random.int(70_000));
    case 4: return lieAboutLength(random, base);
    case 5: return Buffer.concat([base.bytes, random.bytes(random.range(1, 300))]);
    case 6: {
      const keep = random.range(8, Math.min(40, base.bytes.length));
      return Buffer.concat([base.bytes.subarray(0, keep), random.bytes(random.length(400))]);
    }
    case 7: {
      const other = random.pick(bases);
      return Buffer.concat([base.bytes.subarray(0, random.range(4, 40)), other.bytes.subarray(random.range(0, 40))]);
    }
    default: {
      const prefix = random.pick([[], [0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [...Buffer.from('RIFF\0\0\0\0WEBP')], [...Buffer.from('GIF89a')]]);
      return Buffer.concat([Buffer.from(prefix), random.bytes(random.length(120))]);
    }
  }
}
