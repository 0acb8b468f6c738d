/** A window of the bicubic upsampling of an image, computed on demand so the whole upsampled image never exists. */
import type { RgbaImage } from './image.ts';
import { cubicTaps, type CubicTaps } from './resize.ts';

/** Bicubic upsampling of an image's colour to a fixed output size, read window by window. */
export class UpsampledImage {
  private readonly tx: CubicTaps;
  private readonly ty: CubicTaps;

  constructor(
    readonly source: RgbaImage,
    readonly width: number,
    readonly height: number,
    cubicA: number,
  ) {
    this.tx = cubicTaps(source.width, width, cubicA);
    this.ty = cubicTaps(source.height, height, cubicA);
  }

  /**
   * RGB planes (3 × h × w) of the window at (x0, y0), values 0..1 mapped onto `range` and clamped to
   * it. Coordinates past the right or bottom edge repeat the last row or column (edge padding).
   */
  window(x0: number, y0: number, w: number, h: number, range: readonly [number, number] = [0, 1]): Float32Array {
    const { source } = this;
    const [lo, hi] = range;
    const k = (hi - lo) / 255;
    const rows = new Float32Array(3 * source.height * w);
    for (let y = 0; y < source.height; y++) {
      for (let i = 0; i < w; i++) {
        const o = Math.min(x0 + i, this.width - 1) * 4;
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let t = 0; t < 4; t++) v += (this.tx.weight[o + t] as number) * (source.data[(y * source.width + (this.tx.index[o + t] as number)) * 4 + c] as number);
          rows[(c * source.height + y) * w + i] = v;
        }
      }
    }
    const out = new Float32Array(3 * h * w);
    for (let j = 0; j < h; j++) {
      const o = Math.min(y0 + j, this.height - 1) * 4;
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < w; i++) {
          let v = 0;
          for (let t = 0; t < 4; t++) v += (this.ty.weight[o + t] as number) * (rows[(c * source.height + (this.ty.index[o + t] as number)) * w + i] as number);
          out[(c * h + j) * w + i] = Math.min(hi, Math.max(lo, lo + v * k));
        }
      }
    }
    return out;
  }
}
