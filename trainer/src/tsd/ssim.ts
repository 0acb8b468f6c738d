/**
 * SSIM as a differentiable graph (Wang et al. 2004): an 11×11 Gaussian window with sigma 1.5, "valid"
 * filtering (no padding, as the reference MATLAB code and pytorch_msssim), C1 = (0.01·L)², C2 = (0.03·L)²,
 * per channel, averaged over every window position, channel and image.
 */
import { add, conv, div, mul, reduceMean, reshape, sub, tensor, type Graph, type Value } from '../../../models/graph/index.ts';
import { meanAbsoluteError } from './losses.ts';

/** SSIM options; defaults 11, 1.5 and data range 1 (images in [0, 1]). */
export interface SsimOptions {
  windowSize?: number;
  sigma?: number;
  dataRange?: number;
}

/** The default SSIM options. */
export const SSIM_DEFAULTS: Readonly<Required<SsimOptions>> = Object.freeze({ windowSize: 11, sigma: 1.5, dataRange: 1 });

/** The normalised 1-D Gaussian of `size` taps. */
export function gaussianTaps(size: number, sigma: number): Float64Array {
  const centre = (size - 1) / 2;
  const taps = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}

/** The 2-D window (outer product of the 1-D taps), row-major size×size. */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const taps = gaussianTaps(size, sigma);
  return Float64Array.from({ length: size * size }, (_, k) => (taps[Math.floor(k / size)] as number) * (taps[k % size] as number));
}

/** Mean SSIM of two [N, C, H, W] float32 images (scalar); identical images give 1. */
export function ssim(g: Graph, x: Value, y: Value, options: SsimOptions = {}): Value {
  const { windowSize: k, sigma, dataRange } = { ...SSIM_DEFAULTS, ...options };
  const [h, w] = x.shape.slice(2);
  if (typeof h === 'number' && typeof w === 'number' && (h < k || w < k)) throw new RangeError(`ssim: images ${h}×${w} are smaller than the ${k}×${k} window`);
  const window = g.constant(tensor('float32', [1, 1, k, k], Float32Array.from(gaussianWindow(k, sigma))), 'ssim_window');
  const planes = (v: Value): Value => reshape(g, v, [-1, 1, 0, 0]);
  const blur = (v: Value): Value => conv(g, v, window);
  const [px, py] = [planes(x), planes(y)];
  const [mx, my] = [blur(px), blur(py)];
  const [mxx, myy, mxy] = [mul(g, mx, mx), mul(g, my, my), mul(g, mx, my)];
  const varX = sub(g, blur(mul(g, px, px)), mxx);
  const varY = sub(g, blur(mul(g, py, py)), myy);
  const cov = sub(g, blur(mul(g, px, py)), mxy);
  const [c1, c2] = [(0.01 * dataRange) ** 2, (0.03 * dataRange) ** 2];
  const numerator = mul(g, add(g, mul(g, mxy, 2), c1), add(g, mul(g, cov, 2), c2));
  const denominator = mul(g, add(g, add(g, mxx, myy), c1), add(g, add(g, varX, varY), c2));
  return reduceMean(g, div(g, numerator, denominator), { keepdims: false });
}

/** The documented LPIPS substitute: L1 + (1 − SSIM) on images in [0, 1]. */
export function l1SsimLoss(g: Graph, image: Value, reference: Value, options: SsimOptions = {}): Value {
  return add(g, meanAbsoluteError(g, image, reference), sub(g, 1, ssim(g, image, reference, options)));
}
