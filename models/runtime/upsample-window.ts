/** A window of the bicubic upsampling of an image, computed on demand so the whole upsampled image never exists. */
import type { RgbaImage } from './image.ts';
import { cubicTaps, type CubicTaps } from './resize.ts';

/** `i` clamped to 0..size−1: the index edge padding reads. */
const clampIndex = (i: number, size: number): number => (i < 0 ? 0 : i >= size ? size - 1 : i);

/**
 * Below this interpolated alpha (0..1) the colour of a premultiplied upsample fades into the plain interpolation
 * of the source colours (whose fully transparent pixels the caller has filled from their neighbours).
 */
const PREMULTIPLIED_FADE = 1 / 32;

/**
 * Bicubic upsampling of an image's colour to a fixed output size, read window by window. With `premultiplied`
 * (images with transparency) colour is interpolated weighted by alpha and divided by the interpolated alpha, as
 * the resampler models do, so the imprecise colour stored in nearly transparent pixels cannot tint the edge.
 */
export class UpsampledImage {
  private readonly tx: CubicTaps;
  private readonly ty: CubicTaps;
  /** Planes the horizontal pass keeps: RGB, or RGB, alpha·RGB and alpha. */
  private readonly planes: number;

  constructor(
    readonly source: RgbaImage,
    readonly width: number,
    readonly height: number,
    cubicA: number,
    readonly premultiplied = false,
  ) {
    this.tx = cubicTaps(source.width, width, cubicA);
    this.ty = cubicTaps(source.height, height, cubicA);
    this.planes = premultiplied ? 7 : 3;
  }

  /** Scratch for the horizontally resampled source rows of one window, reused between windows. */
  private rows = new Float32Array(0);

  /**
   * RGB planes (3 × h × w) of the window at (x0, y0), values 0..1 mapped onto `range` and clamped to
   * it, written to `out` at `offset` (a new array by default). Coordinates outside the image, on any
   * side, repeat the nearest edge row or column (edge padding).
   */
  window(x0: number, y0: number, w: number, h: number, range: readonly [number, number] = [0, 1], out: Float32Array = new Float32Array(3 * h * w), offset = 0): Float32Array {
    const [first, last] = this.sourceRows(y0, h);
    const rows = this.horizontalPass(x0, w, first, last - first + 1);
    this.verticalPass(rows, first, last - first + 1, y0, w, h, range, out, offset);
    return out;
  }

  /** The first and last source rows the vertical taps of output rows y0..y0+h−1 read. */
  private sourceRows(y0: number, h: number): [number, number] {
    const index = this.ty.index;
    let first = Infinity;
    let last = -Infinity;
    for (let j = 0; j < h; j++) {
      const o = clampIndex(y0 + j, this.height) * 4;
      for (let t = 0; t < 4; t++) {
        const y = index[o + t] as number;
        if (y < first) first = y;
        if (y > last) last = y;
      }
    }
    return [first, last];
  }

  /** Source rows first..first+count−1 resampled to output columns x0..x0+w−1: 3 planes of count × w. */
  private horizontalPass(x0: number, w: number, first: number, count: number): Float32Array {
    const { data, width: sourceWidth } = this.source;
    const { index, weight } = this.tx;
    // per output column: the byte offsets of its four source pixels in a row, and their weights
    const offsets = new Int32Array(4 * w);
    const weights = new Float32Array(4 * w);
    for (let i = 0; i < w; i++) {
      const o = clampIndex(x0 + i, this.width) * 4;
      for (let t = 0; t < 4; t++) {
        offsets[i * 4 + t] = (index[o + t] as number) * 4;
        weights[i * 4 + t] = weight[o + t] as number;
      }
    }
    const plane = count * w;
    if (this.rows.length < this.planes * plane) this.rows = new Float32Array(this.planes * plane);
    const rows = this.rows;
    const premultiplied = this.premultiplied;
    for (let r = 0; r < count; r++) {
      const rowStart = (first + r) * sourceWidth * 4;
      for (let i = 0; i < w; i++) {
        const q = i * 4;
        const p0 = rowStart + (offsets[q] as number);
        const p1 = rowStart + (offsets[q + 1] as number);
        const p2 = rowStart + (offsets[q + 2] as number);
        const p3 = rowStart + (offsets[q + 3] as number);
        const w0 = weights[q] as number;
        const w1 = weights[q + 1] as number;
        const w2 = weights[q + 2] as number;
        const w3 = weights[q + 3] as number;
        const k = r * w + i;
        for (let c = 0; c < 3; c++) {
          rows[c * plane + k] = w0 * (data[p0 + c] as number) + w1 * (data[p1 + c] as number) + w2 * (data[p2 + c] as number) + w3 * (data[p3 + c] as number);
        }
        if (!premultiplied) continue;
        const a0 = w0 * (data[p0 + 3] as number);
        const a1 = w1 * (data[p1 + 3] as number);
        const a2 = w2 * (data[p2 + 3] as number);
        const a3 = w3 * (data[p3 + 3] as number);
        for (let c = 0; c < 3; c++) {
          rows[(3 + c) * plane + k] = (a0 * (data[p0 + c] as number) + a1 * (data[p1 + c] as number) + a2 * (data[p2 + c] as number) + a3 * (data[p3 + c] as number)) / 255;
        }
        rows[6 * plane + k] = (a0 + a1 + a2 + a3) / 255;
      }
    }
    return rows;
  }

  /** Output rows y0..y0+h−1 from horizontally resampled rows starting at source row `first`, mapped onto `range`. */
  private verticalPass(rows: Float32Array, first: number, count: number, y0: number, w: number, h: number, range: readonly [number, number], out: Float32Array, offset: number): void {
    const { index, weight } = this.ty;
    const [lo, hi] = range;
    const k = (hi - lo) / 255;
    const plane = count * w;
    for (let j = 0; j < h; j++) {
      const o = clampIndex(y0 + j, this.height) * 4;
      const w0 = weight[o] as number;
      const w1 = weight[o + 1] as number;
      const w2 = weight[o + 2] as number;
      const w3 = weight[o + 3] as number;
      if (this.premultiplied) {
        const at = (t: number): number => ((index[o + t] as number) - first) * w;
        this.premultipliedRow(rows, plane, w, at(0), at(1), at(2), at(3), w0, w1, w2, w3, lo, k, hi, out, offset + j * w, h * w);
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const r0 = c * plane + ((index[o] as number) - first) * w;
        const r1 = c * plane + ((index[o + 1] as number) - first) * w;
        const r2 = c * plane + ((index[o + 2] as number) - first) * w;
        const r3 = c * plane + ((index[o + 3] as number) - first) * w;
        const dst = offset + (c * h + j) * w;
        for (let i = 0; i < w; i++) {
          const v = w0 * (rows[r0 + i] as number) + w1 * (rows[r1 + i] as number) + w2 * (rows[r2 + i] as number) + w3 * (rows[r3 + i] as number);
          const mapped = lo + v * k;
          out[dst + i] = mapped < lo ? lo : mapped > hi ? hi : mapped;
        }
      }
    }
  }

  /** Scratch for the seven interpolated planes of one premultiplied output row. */
  private line = new Float32Array(0);

  /** One output row of a premultiplied upsample: colour = interp(α·c) / interp(α), fading to interp(c) as α → 0. */
  private premultipliedRow(
    rows: Float32Array, plane: number, w: number, r0: number, r1: number, r2: number, r3: number, w0: number, w1: number, w2: number, w3: number,
    lo: number, k: number, hi: number, out: Float32Array, dst: number, outPlane: number,
  ): void {
    if (this.line.length < 7 * w) this.line = new Float32Array(7 * w);
    const line = this.line;
    for (let p = 0; p < 7; p++) {
      const base = p * plane;
      const at = p * w;
      for (let i = 0; i < w; i++) {
        const b = base + i;
        line[at + i] = w0 * (rows[b + r0] as number) + w1 * (rows[b + r1] as number) + w2 * (rows[b + r2] as number) + w3 * (rows[b + r3] as number);
      }
    }
    const alphaAt = 6 * w;
    for (let c = 0; c < 3; c++) {
      const plain = c * w;
      const weighted = (3 + c) * w;
      const to = dst + c * outPlane;
      for (let i = 0; i < w; i++) {
        const alpha = line[alphaAt + i] as number;
        const v = line[plain + i] as number;
        const t = alpha <= 0 ? 0 : alpha >= PREMULTIPLIED_FADE ? 1 : alpha / PREMULTIPLIED_FADE;
        const colour = t > 0 ? t * ((line[weighted + i] as number) / alpha) + (1 - t) * v : v;
        const mapped = lo + colour * k;
        out[to + i] = mapped < lo ? lo : mapped > hi ? hi : mapped;
      }
    }
  }
}
