/**
 * The first frame of a GIF as RGBA pixels, for the bridge (which cannot read GIF). Pure TypeScript: Figma's sandbox
 * has no DOM to decode images with. The frame is drawn on the GIF's logical screen, transparent where it has no pixel.
 */

/** Decoded pixels: `width` × `height`, 4 bytes (RGBA) a pixel, row by row. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** True when `bytes` start like a GIF file. */
export function isGif(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)).match(/^GIF8[79]a$/) !== null;
}

class Reader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('the GIF ends too early');
    return this.bytes[this.pos++]!;
  }
  word(): number {
    return this.byte() | (this.byte() << 8);
  }
  take(count: number): Uint8Array {
    if (this.pos + count > this.bytes.length) throw new Error('the GIF ends too early');
    this.pos += count;
    return this.bytes.subarray(this.pos - count, this.pos);
  }
  /** Data sub-blocks (a size byte, then that many bytes) up to the empty one, joined. */
  subBlocks(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let size = this.byte(); size > 0; size = this.byte()) parts.push(this.take(size));
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) joined.set(part, (at += part.length) - part.length);
    return joined;
  }
}

/** GIF's variable-length LZW: code indices of `count` pixels from the frame's image data. */
export function lzwDecode(minCodeSize: number, data: Uint8Array, count: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < clear; i++) [prefix[i], suffix[i], first[i]] = [-1, i, i];
  const out = new Uint8Array(count);
  const stack = new Uint8Array(4097);
  let [codeSize, next, prev, op, acc, bits, pos] = [minCodeSize + 1, end + 1, -1, 0, 0, 0, 0];
  while (op < count) {
    while (bits < codeSize) {
      if (pos >= data.length) return out;
      acc |= data[pos++]! << bits;
      bits += 8;
    }
    const code = acc & ((1 << codeSize) - 1);
    acc >>>= codeSize;
    bits -= codeSize;
    if (code === clear) {
      [codeSize, next, prev] = [minCodeSize + 1, end + 1, -1];
      continue;
    }
    if (code === end) break;
    let sp = 0;
    let c = code;
    if (code > next || (prev < 0 && code >= next)) throw new Error('the GIF has a broken image');
    if (code === next) {
      stack[sp++] = first[prev]!;
      c = prev;
    }
    for (; c >= 0; c = prefix[c]!) stack[sp++] = suffix[c]!;
    const head = stack[sp - 1]!;
    while (sp > 0 && op < count) out[op++] = stack[--sp]!;
    if (prev >= 0 && next < 4096) {
      [prefix[next], suffix[next], first[next]] = [prev, head, first[prev]!];
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
    }
    prev = code;
  }
  return out;
}

/** The order in which an interlaced frame's rows arrive: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
function rowOrder(height: number, interlaced: boolean): number[] {
  if (!interlaced) return Array.from({ length: height }, (_, y) => y);
  const rows: number[] = [];
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]] as const) for (let y = start; y < height; y += step) rows.push(y);
  return rows;
}

function colorTable(reader: Reader, packed: number): Uint8Array | undefined {
  return packed & 0x80 ? reader.take(3 * (1 << ((packed & 7) + 1))) : undefined;
}

/** The first frame of a GIF on its logical screen; throws for a file that is not a GIF or has no frame. */
export function decodeGifFirstFrame(bytes: Uint8Array): RgbaImage {
  if (!isGif(bytes)) throw new Error('not a GIF');
  const reader = new Reader(bytes);
  reader.take(6);
  const [width, height, packed] = [reader.word(), reader.word(), reader.byte()];
  reader.take(2);
  const globalColors = colorTable(reader, packed);
  let transparent = -1;
  for (;;) {
    const block = reader.byte();
    if (block === 0x3b) throw new Error('the GIF has no frame');
    if (block === 0x21) {
      const label = reader.byte();
      const body = reader.subBlocks();
      if (label === 0xf9 && body.length >= 4) transparent = body[0]! & 1 ? body[3]! : -1;
      continue;
    }
    if (block !== 0x2c) throw new Error('the GIF has an unknown block');
    const [left, top, w, h, framePacked] = [reader.word(), reader.word(), reader.word(), reader.word(), reader.byte()];
    const colors = colorTable(reader, framePacked) ?? globalColors;
    if (!colors) throw new Error('the GIF has no colour table');
    const indices = lzwDecode(reader.byte(), reader.subBlocks(), w * h);
    const data = new Uint8Array(width * height * 4);
    rowOrder(h, (framePacked & 0x40) !== 0).forEach((y, row) => {
      for (let x = 0; x < w; x++) {
        const index = indices[row * w + x]!;
        const [sx, sy] = [left + x, top + y];
        if (index === transparent || sx >= width || sy >= height || 3 * index + 2 >= colors.length) continue;
        data.set([colors[3 * index]!, colors[3 * index + 1]!, colors[3 * index + 2]!, 255], (sy * width + sx) * 4);
      }
    });
    return { width, height, data };
  }
}
