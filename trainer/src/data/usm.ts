/** Unsharp masking of the HR image before degradation (Real-ESRGAN's USMSharp: radius 50, weight 0.5, threshold 10). */
import { filter2d } from './filter.ts';
import { createImage, type PlanarImage } from './image.ts';
import { gaussianKernel } from './kernels.ts';

/** OpenCV's default sigma for a Gaussian of odd size k when sigma = 0 is asked for. */
export function opencvDefaultSigma(size: number): number {
  return 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
}

/** Sharpen with a soft threshold mask: out = m * clip(I + w (I - B)) + (1 - m) * I, m = blur(|I - B| * 255 > threshold). */
export function usmSharpen(image: PlanarImage, weight = 0.5, radius = 50, threshold = 10): PlanarImage {
  const size = radius % 2 === 0 ? radius + 1 : radius;
  const sigma = opencvDefaultSigma(size);
  const kernel = gaussianKernel(size, { sigmaX: sigma, sigmaY: sigma, theta: 0 });
  const blur = filter2d(image, kernel);
  const mask = createImage(image.width, image.height, image.channels);
  for (let i = 0; i < mask.data.length; i++) {
    mask.data[i] = Math.abs((image.data[i] as number) - (blur.data[i] as number)) * 255 > threshold ? 1 : 0;
  }
  const soft = filter2d(mask, kernel);
  const out = createImage(image.width, image.height, image.channels);
  for (let i = 0; i < out.data.length; i++) {
    const x = image.data[i] as number;
    const sharp = Math.min(1, Math.max(0, x + weight * (x - (blur.data[i] as number))));
    const m = soft.data[i] as number;
    out.data[i] = m * sharp + (1 - m) * x;
  }
  return out;
}
