/** Drawing random blur and sinc kernels with Real-ESRGAN's distributions (RealESRGANDataset.__getitem__). */
import type { BlurConfig, DegradationConfig, KernelType } from './config.ts';
import {
  gaussianKernel, generalizedGaussianKernel, plateauKernel, pulseKernel, sincKernel, type Kernel2d, type KernelShape,
} from './kernels.ts';
import type { Rng } from './rng.ts';

/** A shape parameter drawn below or above 1 with equal odds (Real-ESRGAN's beta rule). */
function drawBeta(rng: Rng, range: readonly [number, number]): number {
  return rng.chance(0.5) ? rng.uniform(range[0], 1) : rng.uniform(1, range[1]);
}

/** Sigmas and rotation: isotropic shapes use one sigma and no rotation. */
function drawShape(rng: Rng, range: readonly [number, number], isotropic: boolean): KernelShape {
  const sigmaX = rng.uniform(range[0], range[1]);
  if (isotropic) return { sigmaX, sigmaY: sigmaX, theta: 0 };
  const sigmaY = rng.uniform(range[0], range[1]);
  return { sigmaX, sigmaY, theta: rng.uniform(-Math.PI, Math.PI) };
}

/** One kernel of the given family with parameters drawn from the config. */
export function drawKernelOfType(rng: Rng, type: KernelType, size: number, blur: BlurConfig): Kernel2d {
  const isotropic = type.endsWith('iso') && !type.endsWith('aniso');
  const shape = drawShape(rng, blur.sigmaRange, isotropic);
  if (type === 'iso' || type === 'aniso') return gaussianKernel(size, shape);
  if (type === 'generalized_iso' || type === 'generalized_aniso') {
    return generalizedGaussianKernel(size, shape, drawBeta(rng, blur.betaGaussianRange));
  }
  return plateauKernel(size, shape, drawBeta(rng, blur.betaPlateauRange));
}

/** A pass's blur kernel: a sinc with probability sincProb (cutoff from [pi/3, pi], or [pi/5, pi] for sizes >= 13), else a mixed kernel. */
export function drawBlurKernel(rng: Rng, blur: BlurConfig): Kernel2d {
  const size = rng.pick(blur.kernelSizes);
  if (rng.chance(blur.sincProb)) {
    const cutoff = size < 13 ? rng.uniform(Math.PI / 3, Math.PI) : rng.uniform(Math.PI / 5, Math.PI);
    return sincKernel(size, cutoff);
  }
  const type = rng.pickWeighted(blur.kernelTypes, blur.kernelProbs);
  return drawKernelOfType(rng, type, size, blur);
}

/** The final sinc filter with probability finalSincProb, else the pulse (identity). */
export function drawFinalSinc(rng: Rng, config: DegradationConfig): Kernel2d {
  if (!rng.chance(config.finalSincProb)) return pulseKernel();
  const size = rng.pick(config.finalSincKernelSizes);
  return sincKernel(size, rng.uniform(config.finalSincCutoffRange[0], config.finalSincCutoffRange[1]));
}
