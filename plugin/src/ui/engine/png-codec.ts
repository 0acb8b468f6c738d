/**
 * PNG in and out of the engine worker, exactly as the bridge reads and writes it: straight (not premultiplied) RGBA,
 * no colour-space conversion. zlib comes from the browser's DecompressionStream / CompressionStream.
 */
import type { RgbaImage } from '../../../../models/runtime/index.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Readonly<Record<number, number>> = Object.freeze({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 });

/** Runs bytes through a (de)compression stream. */
async function throughStream(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const piped = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

/** The PNG header fields the decoder needs. */
interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Splits a PNG into its header, palette, transparency and joined image data. */
function readChunks(bytes: Uint8Array): { header: Header; palette?: Uint8Array; transparency?: Uint8Array; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') header = { width: view.getUint32(at + 8), height: view.getUint32(at + 12), depth: body[8]!, colorType: body[9]!, interlaced: body[12] === 1 };
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') parts.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header || CHANNELS[header.colorType] === undefined) throw new Error('not a PNG this plugin can read');
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
  return { header, ...(palette ? { palette } : {}), ...(transparency ? { transparency } : {}), data };
}

/** Undoes the PNG row filters in place; returns the rows without their filter bytes. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[at + x - bpp]! : 0;
      const b = y > 0 ? out[at - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[at - stride + x - bpp]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      out[at + x] = (row[x]! + predictor) & 0xff;
    }
  }
  return out;
}

/** Decodes a non-interlaced PNG of any colour type and bit depth to 8-bit RGBA; undefined for an interlaced one. */
export async function decodePng(bytes: Uint8Array): Promise<RgbaImage | undefined> {
  const { header, palette, transparency, data } = readChunks(bytes);
  const { width, height, depth, colorType } = header;
  if (header.interlaced) return undefined;
  const channels = CHANNELS[colorType]!;
  const stride = Math.ceil((width * channels * depth) / 8);
  const rows = unfilter(await throughStream(data, new DecompressionStream('deflate')), height, stride, Math.max(1, (channels * depth) >> 3));
  const raw = (y: number, index: number): number => {
    if (depth === 8) return rows[y * stride + index]!;
    if (depth === 16) return (rows[y * stride + index * 2]! << 8) | rows[y * stride + index * 2 + 1]!;
    const bit = index * depth;
    return (rows[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const to8 = (v: number) => (depth === 8 ? v : depth === 16 ? v >> 8 : Math.round((v * 255) / ((1 << depth) - 1)));
  const key = (c: number) => (transparency && transparency.length >= 2 * c + 2 ? (transparency[2 * c]! << 8) | transparency[2 * c + 1]! : -1);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = (c: number) => raw(y, x * channels + c);
      if (colorType === 3) {
        const i = s(0);
        out.set([palette?.[i * 3] ?? 0, palette?.[i * 3 + 1] ?? 0, palette?.[i * 3 + 2] ?? 0, transparency?.[i] ?? 255], o);
      } else if (colorType === 0 || colorType === 4) {
        const g = to8(s(0));
        out.set([g, g, g, colorType === 4 ? to8(s(1)) : s(0) === key(0) ? 0 : 255], o);
      } else {
        const keyed = colorType === 2 && s(0) === key(0) && s(1) === key(1) && s(2) === key(2);
        out.set([to8(s(0)), to8(s(1)), to8(s(2)), colorType === 6 ? to8(s(3)) : keyed ? 0 : 255], o);
      }
    }
  }
  return { width, height, data: out };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  let crc = 0xffffffff;
  for (let i = 4; i < 8 + body.length; i++) crc = CRC_TABLE[(crc ^ out[i]!) & 0xff]! ^ (crc >>> 8);
  view.setUint32(8 + body.length, (crc ^ 0xffffffff) >>> 0);
  return out;
}

/** An 8-bit RGBA PNG of `image`, deflate-compressed. */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const { width, height, data } = image;
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const parts = [new Uint8Array(SIGNATURE), chunk('IHDR', header), chunk('IDAT', await throughStream(raw, new CompressionStream('deflate'))), chunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (png.set(p, at), at + p.length), 0);
  return png;
}
