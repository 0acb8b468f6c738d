/**
 * Sliding-window DCT shrinkage (Yu and Sapiro, "DCT image denoising: a simple and effective image denoising
 * algorithm", IPOL 2011): every 8 × 8 block of the image, at every `step`-th position, goes through an orthonormal 2-D
 * DCT; coefficients under the threshold are zeroed (the block's mean is always kept); the blocks go back and each pixel
 * is the weighted mean of the blocks holding it, weighted by 1 / (1 + the block's kept coefficients) so that blocks
 * explained by few coefficients count more. A JPEG's artefacts live in its 8 × 8 blocks as small coefficients (the
 * patterns its quantisation left inside the blocks and the steps at their edges), as does noise; edges are few large
 * ones and stay, while texture of low contrast goes with the noise. Runs on JPEG's YCbCr planes: luma with the
 * threshold at every `step`-th position, chroma with `CHROMA_RATIO` × the threshold at every `chromaStep`-th; alpha is kept and only blocks of wholly opaque pixels are filtered, so transparent pixels
 * (whatever colour they hold) never bleed into their neighbours, and a pixel no such block covers is kept as it is.
 * Pure TypeScript on RGBA pixels (Node and browser).
 */
import type { RgbaImage } from './image.ts';

/** Block side: JPEG's. */
const N = 8;
/** Chroma's threshold over luma's: JPEG quantises chroma more coarsely. */
const CHROMA_RATIO = 1.5;
/** Positions between filtered blocks along each axis: 2 runs a quarter of the blocks of 1 and smooths almost as well. */
const DCT_STEP = 2;
/** The same for chroma, which carries less of what a viewer sees: a quarter of luma's blocks again. */
const DCT_CHROMA_STEP = 4;

/** The orthonormal DCT-II matrix, `BASIS[k * N + n]` = c_k cos(π (n + ½) k / N). */
const BASIS = (() => {
  const m = new Float64Array(N * N);
  for (let k = 0; k < N; k++) for (let n = 0; n < N; n++) m[k * N + n] = Math.sqrt((k === 0 ? 1 : 2) / N) * Math.cos((Math.PI * (n + 0.5) * k) / N);
  return m;
})();
/**
 * The basis split by symmetry: row k of the DCT is even in n for even k and odd for odd k, so X_2k = Σ_n<4 EVEN[k][n]
 * (x_n + x_7−n) and X_2k+1 = Σ_n<4 ODD[k][n] (x_n − x_7−n): 32 products per 8 samples instead of 64.
 */
const EVEN = Float64Array.from({ length: 16 }, (_, q) => BASIS[2 * (q >> 2) * N + (q & 3)]!);
const ODD = Float64Array.from({ length: 16 }, (_, q) => BASIS[(2 * (q >> 2) + 1) * N + (q & 3)]!);

/** DCT of the 8 values at `src[at + i · stride]` into `dst[to + k · stride]`. */
function forward8(src: Float64Array, at: number, dst: Float64Array, to: number, stride: number): void {
  const s0 = src[at]!, s1 = src[at + stride]!, s2 = src[at + 2 * stride]!, s3 = src[at + 3 * stride]!;
  const s4 = src[at + 4 * stride]!, s5 = src[at + 5 * stride]!, s6 = src[at + 6 * stride]!, s7 = src[at + 7 * stride]!;
  const u0 = s0 + s7, u1 = s1 + s6, u2 = s2 + s5, u3 = s3 + s4;
  const v0 = s0 - s7, v1 = s1 - s6, v2 = s2 - s5, v3 = s3 - s4;
  for (let k = 0; k < 4; k++) {
    const e = 4 * k;
    dst[to + 2 * k * stride] = EVEN[e]! * u0 + EVEN[e + 1]! * u1 + EVEN[e + 2]! * u2 + EVEN[e + 3]! * u3;
    dst[to + (2 * k + 1) * stride] = ODD[e]! * v0 + ODD[e + 1]! * v1 + ODD[e + 2]! * v2 + ODD[e + 3]! * v3;
  }
}

/** Inverse DCT of the 8 coefficients at `src[at + k · stride]` into `dst[to + i · stride]`. */
function inverse8(src: Float64Array, at: number, dst: Float64Array, to: number, stride: number): void {
  const x0 = src[at]!, x2 = src[at + 2 * stride]!, x4 = src[at + 4 * stride]!, x6 = src[at + 6 * stride]!;
  const x1 = src[at + stride]!, x3 = src[at + 3 * stride]!, x5 = src[at + 5 * stride]!, x7 = src[at + 7 * stride]!;
  for (let i = 0; i < 4; i++) {
    const e = EVEN[i]! * x0 + EVEN[4 + i]! * x2 + EVEN[8 + i]! * x4 + EVEN[12 + i]! * x6;
    const o = ODD[i]! * x1 + ODD[4 + i]! * x3 + ODD[8 + i]! * x5 + ODD[12 + i]! * x7;
    dst[to + i * stride] = e + o;
    dst[to + (7 - i) * stride] = e - o;
  }
}

/** Block origins along an axis of `length`: every `step`-th, and the last one that fits, so every pixel is covered. */
function origins(length: number, step: number): number[] {
  const out: number[] = [];
  for (let a = 0; a + N <= length; a += step) out.push(a);
  if (length >= N && out[out.length - 1] !== length - N) out.push(length - N);
  return out;
}

/**
 * One plane (`w` × `h` values) shrunk as in the module comment; `solid` marks the blocks (by origin) to filter. Pixels
 * in no filtered block are NaN.
 */
function shrinkPlane(src: Float64Array, w: number, h: number, threshold: number, step: number, solid: (x: number, y: number) => boolean): Float64Array {
  const sum = new Float64Array(w * h), weight = new Float64Array(w * h);
  const block = new Float64Array(N * N), half = new Float64Array(N * N), pixels = new Float64Array(N * N);
  for (const y0 of origins(h, step)) {
    for (const x0 of origins(w, step)) {
      if (!solid(x0, y0)) continue;
      for (let i = 0; i < N; i++) forward8(src, (y0 + i) * w + x0, half, i * N, 1); // rows
      for (let k = 0; k < N; k++) forward8(half, k, block, k, N); // columns
      let kept = 0;
      for (let q = 1; q < N * N; q++) {
        if (Math.abs(block[q]!) < threshold) block[q] = 0;
        else kept++;
      }
      for (let k = 0; k < N; k++) inverse8(block, k, half, k, N); // columns
      for (let i = 0; i < N; i++) inverse8(half, i * N, pixels, i * N, 1); // rows
      const wt = 1 / (1 + kept);
      for (let i = 0; i < N; i++) {
        const row = (y0 + i) * w + x0;
        for (let j = 0; j < N; j++) {
          sum[row + j] = sum[row + j]! + wt * pixels[i * N + j]!;
          weight[row + j] = weight[row + j]! + wt;
        }
      }
    }
  }
  const out = new Float64Array(w * h);
  for (let p = 0; p < w * h; p++) out[p] = weight[p]! > 0 ? sum[p]! / weight[p]! : Number.NaN;
  return out;
}

/** `image` with its 8 × 8 DCT coefficients under `threshold` (8-bit levels, luma) shrunk away (module comment). */
export function dctSmooth(image: RgbaImage, threshold: number, step = DCT_STEP, chromaStep = DCT_CHROMA_STEP): RgbaImage {
  const { width: w, height: h, data } = image;
  if (w < N || h < N || threshold === 0) return image;
  const n = w * h;
  // JPEG's YCbCr (ITU-R BT.601, full range)
  const y = new Float64Array(n), cb = new Float64Array(n), cr = new Float64Array(n);
  // count of non-opaque pixels above and left of each position, for an O(1) "is this block wholly opaque"
  const holes = new Int32Array((w + 1) * (h + 1));
  for (let row = 0; row < h; row++) {
    let line = 0;
    for (let x = 0; x < w; x++) {
      const p = row * w + x, r = data[p * 4]!, g = data[p * 4 + 1]!, b = data[p * 4 + 2]!;
      y[p] = 0.299 * r + 0.587 * g + 0.114 * b;
      cb[p] = -0.168736 * r - 0.331264 * g + 0.5 * b;
      cr[p] = 0.5 * r - 0.418688 * g - 0.081312 * b;
      line += data[p * 4 + 3] === 255 ? 0 : 1;
      holes[(row + 1) * (w + 1) + x + 1] = holes[row * (w + 1) + x + 1]! + line;
    }
  }
  const solid = (x0: number, y0: number): boolean =>
    holes[(y0 + N) * (w + 1) + x0 + N]! - holes[y0 * (w + 1) + x0 + N]! - holes[(y0 + N) * (w + 1) + x0]! + holes[y0 * (w + 1) + x0]! === 0;
  const ys = shrinkPlane(y, w, h, threshold, step, solid);
  const cbs = shrinkPlane(cb, w, h, threshold * CHROMA_RATIO, chromaStep, solid);
  const crs = shrinkPlane(cr, w, h, threshold * CHROMA_RATIO, chromaStep, solid);
  const out = data.slice();
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  for (let p = 0; p < n; p++) {
    const [ly, lb, lr] = [ys[p]!, cbs[p]!, crs[p]!];
    if (Number.isNaN(ly) && Number.isNaN(lb) && Number.isNaN(lr)) continue; // in no filtered block: kept exactly
    // a plane whose grid of blocks missed this pixel keeps its value there
    const [fy, fb, fr] = [Number.isNaN(ly) ? y[p]! : ly, Number.isNaN(lb) ? cb[p]! : lb, Number.isNaN(lr) ? cr[p]! : lr];
    out[p * 4] = clamp(fy + 1.402 * fr);
    out[p * 4 + 1] = clamp(fy - 0.344136 * fb - 0.714136 * fr);
    out[p * 4 + 2] = clamp(fy + 1.772 * fb);
  }
  return { width: w, height: h, data: out };
}
