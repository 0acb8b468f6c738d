/**
 * Smoothing of a model's input, by one of two methods. `dct`: sliding-window DCT shrinkage
 * (models/runtime/dct-smoothing.ts), which removes JPEG's block patterns and noise and keeps edges. `guided` (the
 * default): a self-guided filter (He, Sun and Tang, "Guided Image Filtering", 2010) on each colour channel. Over a
 * (2r + 1)² window a pixel is fitted as a·I + b; where the window's variance is well under ε (= level², in 8-bit
 * levels) a → 0 and the pixel takes the window's mean, so noise over smooth areas (sky, skin, an out-of-focus
 * background) is averaged away; where the variance is well over ε (edges, texture) a → 1 and the pixel is kept. Pure TypeScript on RGBA pixels (Node and browser); alpha is kept, and every statistic is weighted by
 * alpha, so transparent pixels do not bleed into their neighbours (an opaque image is filtered exactly as above).
 */
import { dctSmooth } from './dct-smoothing.ts';
import { flatness } from './flatness.ts';
import type { RgbaImage } from './image.ts';

/** The window radius of a spec that states none: 5 × 5 input pixels. */
export const DEFAULT_DENOISE_RADIUS = 2;

/** The input smoothing's filters (module comment). */
export type DenoiseMethod = 'guided' | 'dct';

/** Settings of the input smoothing (a model's `denoise` in model.json). */
export interface DenoiseSpec {
  /** The filter (module comment); absent: `guided`. */
  method?: DenoiseMethod;
  /**
   * In 8-bit levels. `guided`: ε's square root, variation under about this is smoothed, over it kept. `dct`: the
   * threshold under which a block's DCT coefficients (of luma; chroma's is 1.5 times it) are dropped.
   */
  level: number;
  /** `guided` only: the window radius in input pixels (default {@link DEFAULT_DENOISE_RADIUS}). */
  radius?: number;
  /**
   * Smooth only images whose noise ratio, the median fine gradient over the median coarse one ({@link flatness}), is at
   * least this (absent: every image). Noise raises the fine gradients of an image and not its coarse ones.
   */
  noiseRatioFrom?: number;
}

/** Whether `spec` smooths this image: always without `noiseRatioFrom`, else when its noise ratio reaches it. */
export function denoises(image: RgbaImage, spec: DenoiseSpec): boolean {
  if (spec.level === 0) return false;
  if (spec.noiseRatioFrom === undefined) return true;
  const f = flatness(image);
  return f !== null && f.coarse > 0 && f.fine / f.coarse >= spec.noiseRatioFrom;
}

/**
 * Box means over a (2r + 1)² window clipped at the borders, of `w` × `h` values; `out` may not alias `src`. `sat` is
 * scratch space for the summed-area table, (w + 1) × (h + 1) values whose first row and column stay 0.
 */
function boxMean(src: Float64Array, w: number, h: number, r: number, out: Float64Array, sat: Float64Array): void {
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += src[y * w + x]!;
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1]! + row;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r), x1 = Math.min(w, x + r + 1);
      const s = sat[y1 * (w + 1) + x1]! - sat[y0 * (w + 1) + x1]! - sat[y1 * (w + 1) + x0]! + sat[y0 * (w + 1) + x0]!;
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
}

/** `image` smoothed by the spec's method (module comment); `level` 0 returns `image` itself. */
export function denoise(image: RgbaImage, spec: DenoiseSpec): RgbaImage {
  const { level } = spec;
  if (!(level >= 0 && Number.isFinite(level))) throw new RangeError(`denoise level must be a finite number ≥ 0, got ${level}`);
  if (spec.method === 'dct') {
    if (spec.radius !== undefined) throw new RangeError('denoise radius belongs to the guided method, not dct');
    return dctSmooth(image, level);
  }
  if (spec.method !== undefined && spec.method !== 'guided') throw new RangeError(`unknown denoise method ${JSON.stringify(spec.method)}`);
  const radius = spec.radius ?? DEFAULT_DENOISE_RADIUS;
  if (!(Number.isInteger(radius) && radius >= 1)) throw new RangeError(`denoise radius must be a positive integer, got ${radius}`);
  if (level === 0) return image;
  const { width: w, height: h, data } = image;
  const n = w * h;
  const eps = level * level;
  // every statistic is weighted by alpha, so transparent pixels (whatever colour they hold) count for nothing
  const sat = new Float64Array((w + 1) * (h + 1));
  const box = (src: Float64Array, out: Float64Array): void => boxMean(src, w, h, radius, out, sat);
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) alpha[i] = data[i * 4 + 3]! / 255;
  const mass = new Float64Array(n); // each window's mean alpha
  box(alpha, mass);
  const windowMass = new Float64Array(n); // the mean, over the windows holding a pixel, of their alpha mass
  box(mass, windowMass);
  const out = data.slice();
  const aI = new Float64Array(n), aII = new Float64Array(n);
  const meanI = new Float64Array(n), meanII = new Float64Array(n);
  const ka = new Float64Array(n), kb = new Float64Array(n);
  const meanA = new Float64Array(n), meanB = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const v = data[i * 4 + c]!;
      aI[i] = alpha[i]! * v;
      aII[i] = alpha[i]! * v * v;
    }
    box(aI, meanI);
    box(aII, meanII);
    for (let i = 0; i < n; i++) {
      const m = mass[i]!;
      if (m === 0) {
        ka[i] = 0;
        kb[i] = 0;
        continue;
      }
      const mean = meanI[i]! / m;
      const variance = Math.max(0, meanII[i]! / m - mean * mean);
      const k = variance / (variance + eps);
      // weighted by the window's alpha mass when averaged over the windows holding each pixel
      ka[i] = m * k;
      kb[i] = m * (mean - k * mean);
    }
    box(ka, meanA);
    box(kb, meanB);
    for (let i = 0; i < n; i++) {
      if (alpha[i] === 0) continue;
      const wm = windowMass[i]!;
      const v = (meanA[i]! * data[i * 4 + c]! + meanB[i]!) / wm;
      out[i * 4 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: w, height: h, data: out };
}
