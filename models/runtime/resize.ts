/** Bicubic resampling in plain TypeScript (Keys kernel, a = -0.5, half-pixel centres, clamped edges). */
import { createRgbaImage, type RgbaImage } from './image.ts';

/** Keys' cubic convolution kernel at distance `x`; a = −0.5 is the usual bicubic, −0.75 PyTorch's. */
export function cubicKernel(x: number, A = -0.5): number {
  const t = Math.abs(x);
  if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
  if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  return 0;
}

/** For each output index, the four source indices (clamped) and their weights. */
export interface CubicTaps {
  index: Int32Array;
  weight: Float32Array;
}

/** Precomputes taps mapping `inSize` samples onto `outSize` (half-pixel alignment, like ONNX Resize). */
export function cubicTaps(inSize: number, outSize: number, a = -0.5): CubicTaps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float32Array(outSize * 4);
  const ratio = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * ratio - 0.5;
    const base = Math.floor(src);
    for (let k = 0; k < 4; k++) {
      const i = base - 1 + k;
      index[o * 4 + k] = Math.min(Math.max(i, 0), inSize - 1);
      weight[o * 4 + k] = cubicKernel(src - i, a);
    }
  }
  return { index, weight };
}

/** Resamples `channels` planes of height × width to outHeight × outWidth. */
export function resizePlanar(
  data: Float32Array,
  channels: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  cubicA = -0.5,
): Float32Array {
  const tx = cubicTaps(width, outWidth, cubicA);
  const ty = cubicTaps(height, outHeight, cubicA);
  const rows = new Float32Array(height * outWidth);
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    for (let y = 0; y < height; y++) resampleRow(data, plane + y * width, 1, tx, rows, y * outWidth);
    for (let y = 0; y < outHeight; y++) {
      for (let x = 0; x < outWidth; x++) {
        let v = 0;
        for (let k = 0; k < 4; k++) v += (ty.weight[y * 4 + k] as number) * (rows[(ty.index[y * 4 + k] as number) * outWidth + x] as number);
        out[c * outHeight * outWidth + y * outWidth + x] = v;
      }
    }
  }
  return out;
}

/** Resamples one row read with `stride` from `src` into `dst`, written with `dstStride`. */
function resampleRow(
  src: ArrayLike<number>,
  offset: number,
  stride: number,
  taps: CubicTaps,
  dst: Float32Array,
  dstOffset: number,
  dstStride = 1,
): void {
  const n = taps.index.length / 4;
  for (let o = 0; o < n; o++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v += (taps.weight[o * 4 + k] as number) * (src[offset + (taps.index[o * 4 + k] as number) * stride] as number);
    dst[dstOffset + o * dstStride] = v;
  }
}

/**
 * Resamples an RGBA image to a new size, premultiplying alpha so transparent pixels lend no colour
 * to their neighbours. Works row by row, holding only the four source rows each output row needs.
 */
export function resizeRgba(image: RgbaImage, outWidth: number, outHeight: number): RgbaImage {
  const { width, height, data } = image;
  const out = createRgbaImage(outWidth, outHeight);
  const tx = cubicTaps(width, outWidth);
  const ty = cubicTaps(height, outHeight);
  const cache = new Map<number, Float32Array>();
  const premul = new Float32Array(width * 4);
  const sourceRow = (y: number): Float32Array => {
    let row = cache.get(y);
    if (row) return row;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const a = (data[p + 3] as number) / 255;
      premul[x * 4] = (data[p] as number) * a;
      premul[x * 4 + 1] = (data[p + 1] as number) * a;
      premul[x * 4 + 2] = (data[p + 2] as number) * a;
      premul[x * 4 + 3] = data[p + 3] as number;
    }
    row = new Float32Array(outWidth * 4);
    for (let c = 0; c < 4; c++) resampleRow(premul, c, 4, tx, row, c, 4);
    if (cache.size >= 8) cache.delete(cache.keys().next().value as number);
    cache.set(y, row);
    return row;
  };
  const pixel = new Float32Array(4);
  for (let y = 0; y < outHeight; y++) {
    const taps = [0, 1, 2, 3].map((k) => sourceRow(ty.index[y * 4 + k] as number));
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < 4; c++) {
        let v = 0;
        for (let k = 0; k < 4; k++) v += (ty.weight[y * 4 + k] as number) * (taps[k]![x * 4 + c] as number);
        pixel[c] = v;
      }
      writeUnpremultiplied(out.data, (y * outWidth + x) * 4, pixel[0]!, pixel[1]!, pixel[2]!, pixel[3]!);
    }
  }
  return out;
}

/**
 * The alpha channel of `resizeRgba(image, outWidth, outHeight)` alone, one byte per output pixel: the same
 * taps and rounding, a quarter of the work.
 */
export function resizeAlpha(image: RgbaImage, outWidth: number, outHeight: number): Uint8Array {
  const { width, height, data } = image;
  const tx = cubicTaps(width, outWidth);
  const ty = cubicTaps(height, outHeight);
  const source = new Float32Array(width);
  // a ring of horizontally resampled source rows: output rows read rows at most 4 apart, in order
  const ring = 8;
  const rows = new Float32Array(ring * outWidth);
  const held = new Int32Array(ring).fill(-1);
  const rowStart = (y: number): number => {
    const slot = y % ring;
    if (held[slot] !== y) {
      for (let x = 0; x < width; x++) source[x] = data[(y * width + x) * 4 + 3] as number;
      resampleRow(source, 0, 1, tx, rows, slot * outWidth);
      held[slot] = y;
    }
    return slot * outWidth;
  };
  const out = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const t = y * 4;
    const [r0, r1, r2, r3] = [rowStart(ty.index[t] as number), rowStart(ty.index[t + 1] as number), rowStart(ty.index[t + 2] as number), rowStart(ty.index[t + 3] as number)];
    const [w0, w1, w2, w3] = [ty.weight[t] as number, ty.weight[t + 1] as number, ty.weight[t + 2] as number, ty.weight[t + 3] as number];
    const dst = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      out[dst + x] = clampByte(w0 * (rows[r0 + x] as number) + w1 * (rows[r1 + x] as number) + w2 * (rows[r2 + x] as number) + w3 * (rows[r3 + x] as number));
    }
  }
  return out;
}

/** Writes premultiplied 0..255 colour and alpha as straight 8-bit RGBA, clamped and rounded. */
export function writeUnpremultiplied(out: Uint8Array, p: number, r: number, g: number, b: number, a: number): void {
  // divide by the interpolated alpha before clamping it, so overshoot never shifts the colour
  const inv = a > 0.5 ? 255 / a : 0;
  out[p] = clampByte(r * inv);
  out[p + 1] = clampByte(g * inv);
  out[p + 2] = clampByte(b * inv);
  out[p + 3] = clampByte(a);
}

/** Rounds and clamps to 0..255. */
export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
