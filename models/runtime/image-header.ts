/**
 * Format and size of a PNG, JPEG or WebP read from its first bytes, without a codec and without decoding pixels, so
 * an image of any claimed size is measured (and refused by size) before anything is allocated for it.
 */

/** Formats the runtime accepts. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** A refused image, with a stable code: `not_an_image` (unknown or unsupported format), `bad_image` (corrupt, truncated) or `too_many_pixels`. */
export class ImageError extends Error {
  override name = 'ImageError';
  constructor(
    readonly code: 'not_an_image' | 'bad_image' | 'too_many_pixels',
    message: string,
  ) {
    super(message);
  }
}

/** What the header says: the format and the stored size (EXIF orientation may swap width and height; never the pixel count). */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Largest side a PNG header may state (2^31 - 1, from the PNG specification). */
const PNG_MAX_SIDE = 0x7fff_ffff;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Signatures of formats that are recognised only to name them in the refusal. */
const UNSUPPORTED: readonly { name: string; at: number; bytes: string }[] = Object.freeze([
  { name: 'GIF', at: 0, bytes: 'GIF8' },
  { name: 'TIFF', at: 0, bytes: 'II*\0' },
  { name: 'TIFF', at: 0, bytes: 'MM\0*' },
  { name: 'BMP', at: 0, bytes: 'BM' },
  { name: 'AVIF or HEIF', at: 4, bytes: 'ftyp' },
]);

/** Reads format and size from the header; throws ImageError for anything that is not a well-formed PNG, JPEG or WebP header. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return sized('png', readPngSize(bytes));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return sized('jpeg', readJpegSize(bytes));
  if (startsWith(bytes, 0, ascii('RIFF')) && startsWith(bytes, 8, ascii('WEBP'))) return sized('webp', readWebpSize(bytes));
  const other = UNSUPPORTED.find((signature) => startsWith(bytes, signature.at, ascii(signature.bytes)));
  if (other) throw new ImageError('not_an_image', `${other.name} images are not supported; send PNG, JPEG or WebP`);
  throw new ImageError('not_an_image', 'not a PNG, JPEG or WebP image');
}

function sized(format: ImageFormat, [width, height]: [number, number]): ImageHeader {
  if (width === 0 || height === 0) throw new ImageError('bad_image', `the ${format.toUpperCase()} header states a size of ${width}x${height}`);
  return { format, width, height };
}

function truncated(format: string): ImageError {
  return new ImageError('bad_image', `the ${format} image ends inside its header`);
}

/** PNG: the IHDR chunk must come first, 13 bytes long, with width and height as big-endian 31-bit integers. */
function readPngSize(bytes: Uint8Array): [number, number] {
  if (bytes.length < 24) throw truncated('PNG');
  if (!startsWith(bytes, 12, ascii('IHDR')) || readU32BE(bytes, 8) !== 13) throw new ImageError('bad_image', 'the PNG does not start with its IHDR header chunk');
  const width = readU32BE(bytes, 16);
  const height = readU32BE(bytes, 20);
  if (width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) throw new ImageError('bad_image', `the PNG header states an invalid size of ${width}x${height}`);
  return [width, height];
}

/** True for the start-of-frame markers SOF0-SOF15, which carry the size (not DHT C4, JPG C8 or DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** JPEG: walks the marker segments after SOI up to the first SOFn, skipping fill bytes and stray bytes as decoders do. */
function readJpegSize(bytes: Uint8Array): [number, number] {
  let at = 2;
  for (;;) {
    while (at < bytes.length && bytes[at] !== 0xff) at++;
    while (at < bytes.length && bytes[at] === 0xff) at++;
    if (at >= bytes.length) throw truncated('JPEG');
    const marker = bytes[at++]!;
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd8 || marker === 0xd9 || marker === 0xda) throw new ImageError('bad_image', 'the JPEG has no frame header before its image data');
    if (at + 2 > bytes.length) throw truncated('JPEG');
    const length = readU16BE(bytes, at);
    if (length < 2) throw new ImageError('bad_image', 'the JPEG has a marker segment shorter than its own length field');
    if (isStartOfFrame(marker)) {
      if (length < 8) throw new ImageError('bad_image', 'the JPEG frame header is too short');
      if (at + 7 > bytes.length) throw truncated('JPEG');
      return [readU16BE(bytes, at + 5), readU16BE(bytes, at + 3)];
    }
    at += length;
  }
}

/** WebP: the first chunk after `RIFF....WEBP` is VP8X (canvas size), VP8L (lossless) or `VP8 ` (lossy key frame). */
function readWebpSize(bytes: Uint8Array): [number, number] {
  if (bytes.length < 30) throw truncated('WebP');
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  if (chunk === 'VP8X') return [1 + readU24LE(bytes, 24), 1 + readU24LE(bytes, 27)];
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) throw new ImageError('bad_image', 'the lossless WebP has no VP8L signature');
    const bits = readU32LE(bytes, 21);
    if (bits >>> 29 !== 0) throw new ImageError('bad_image', 'the lossless WebP has an unknown version');
    return [1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff)];
  }
  if (chunk === 'VP8 ') {
    if ((bytes[20]! & 1) !== 0 || !startsWith(bytes, 23, [0x9d, 0x01, 0x2a])) throw new ImageError('bad_image', 'the lossy WebP does not start with a key frame');
    return [readU16LE(bytes, 26) & 0x3fff, readU16LE(bytes, 28) & 0x3fff];
  }
  throw new ImageError('bad_image', `the WebP starts with an unknown ${JSON.stringify(chunk)} chunk`);
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

function startsWith(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return bytes.length >= at + expected.length && expected.every((byte, i) => bytes[at + i] === byte);
}

function readU16BE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function readU32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

function readU16LE(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function readU24LE(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
}

function readU32LE(bytes: Uint8Array, at: number): number {
  return (readU24LE(bytes, at) | (bytes[at + 3]! << 24)) >>> 0;
}
