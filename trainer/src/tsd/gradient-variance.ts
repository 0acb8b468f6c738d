/**
 * The gradient variance (GV) loss of Abrahamyan, Truong, Chung and Deligiannis, "Gradient Variance Loss for
 * Structure-Enhanced Image Super-Resolution" (ICASSP 2022), as a differentiable graph: a hand-crafted perceptual term
 * that needs no pretrained weights. A regression loss is minimised by a soft image; GV compares how much the Sobel
 * gradients vary inside each patch, so a student that blurs texture or edges pays for it wherever the target has them,
 * without having to put each stroke exactly where the target does.
 *
 * Both images go to grey (0.2989 R + 0.5870 G + 0.1140 B), through the 3×3 Sobel kernels (zero padding of 1, so the
 * maps keep the image size), and are cut into non-overlapping p × p patches (a remainder at the right and bottom is
 * left out); the unbiased variance of each patch's gradients is taken, and the loss is MSE over the x-gradient
 * variances plus MSE over the y-gradient variances, as in the paper's code.
 */
import { averagePool, conv, mul, reduceMean, sub, tensor, type Graph, type Value } from '../../../models/graph/index.ts';

/** The grey weights of R, G and B. */
export const GV_GREY: readonly number[] = Object.freeze([0.2989, 0.587, 0.114]);

/** Sobel kernels, row-major 3×3: d/dx (left to right) and d/dy (bottom row minus top row, as in the paper's code). */
export const GV_SOBEL_X: readonly number[] = Object.freeze([-1, 0, 1, -2, 0, 2, -1, 0, 1]);
export const GV_SOBEL_Y: readonly number[] = Object.freeze([1, 2, 1, 0, 0, 0, -1, -2, -1]);

/** The patch side the paper uses for ×4 super-resolution. */
export const GV_DEFAULT_PATCH = 8;

/** Per-patch unbiased variances of the x and y Sobel gradients of the grey image: [N, 2, ⌊H/p⌋, ⌊W/p⌋]. */
export function gradientVariances(g: Graph, image: Value, patch: number = GV_DEFAULT_PATCH): Value {
  if (!(Number.isInteger(patch) && patch >= 2)) throw new RangeError(`gradient variance: the patch side must be a whole number of at least 2, not ${patch}`);
  const [h, w] = image.shape.slice(2);
  if (typeof h === 'number' && typeof w === 'number' && (h < patch || w < patch)) throw new RangeError(`gradient variance: images ${h}×${w} are smaller than one ${patch}×${patch} patch`);
  const grey = conv(g, image, g.constant(tensor('float32', [1, 3, 1, 1], Float32Array.from(GV_GREY)), 'gv_grey'));
  const sobel = g.constant(tensor('float32', [2, 1, 3, 3], Float32Array.from([...GV_SOBEL_X, ...GV_SOBEL_Y])), 'gv_sobel');
  const gradient = conv(g, grey, sobel, undefined, { pads: [1, 1, 1, 1] });
  const patchMean = (v: Value): Value => averagePool(g, v, [patch, patch], { strides: [patch, patch] });
  const mean = patchMean(gradient);
  const n = patch * patch;
  return mul(g, sub(g, patchMean(mul(g, gradient, gradient)), mul(g, mean, mean)), n / (n - 1));
}

/** GV loss of two [N, 3, H, W] images in [0, 1]: MSE of the x-gradient variances plus MSE of the y-gradient variances. */
export function gradientVarianceLoss(g: Graph, image: Value, reference: Value, patch: number = GV_DEFAULT_PATCH): Value {
  const d = sub(g, gradientVariances(g, image, patch), gradientVariances(g, reference, patch));
  return mul(g, reduceMean(g, mul(g, d, d), { keepdims: false }), 2); // mean over both maps ×2 = MSE_x + MSE_y
}
