/**
 * RGBA pixels to a PNG the bridge can read, without a compression library: the image data goes in stored (uncompressed)
 * deflate blocks, which every PNG reader accepts. Used for the few images the plugin decodes itself (GIF frames).
 */
import type { RgbaImage } from './gif.ts';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const part of parts) for (const byte of part) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function adler32(data: Uint8Array): number {
  let [a, b] = [1, 0];
  for (let i = 0; i < data.length; i += 5552) {
    for (const byte of data.subarray(i, i + 5552)) b += a += byte;
    [a, b] = [a % 65521, b % 65521];
  }
  return ((b << 16) | a) >>> 0;
}

function uint32(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

function chunk(type: string, data: Uint8Array): Uint8Array[] {
  const name = new Uint8Array([...type].map((ch) => ch.charCodeAt(0)));
  return [uint32(data.length), name, data, uint32(crc32([name, data]))];
}

/** A zlib stream of `raw` in stored deflate blocks (at most 65535 bytes each). */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + raw.length + 4);
  out.set([0x78, 0x01]);
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const piece = raw.subarray(i * 65535, (i + 1) * 65535);
    out.set([i === blocks - 1 ? 1 : 0, piece.length & 0xff, piece.length >>> 8, ~piece.length & 0xff, (~piece.length >>> 8) & 0xff], at);
    out.set(piece, at + 5);
    at += 5 + piece.length;
  }
  out.set(uint32(adler32(raw)), at);
  return out;
}

/** An 8-bit RGBA PNG of `image`. */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array([...uint32(width), ...uint32(height), 8, 6, 0, 0, 0]);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ...chunk('IHDR', header), ...chunk('IDAT', zlibStored(raw)), ...chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) png.set(part, (at += part.length) - part.length);
  return png;
}
