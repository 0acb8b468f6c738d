/** Real-ESRGAN's second-order degradation (RealESRGANModel.feed_data) on one planar HR image, and plain bicubic LR. */
import { REAL_ESRGAN_DEFAULTS, type DegradationConfig, type PassConfig } from './config.ts';
import { filter2d } from './filter.ts';
import { clamp01InPlace, quantize8InPlace, type PlanarImage } from './image.ts';
import { jpegRoundTrip } from './jpeg.ts';
import { addGaussianNoise, addPoissonNoise } from './noise.ts';
import { drawBlurKernel, drawFinalSinc } from './random-kernels.ts';
import { bicubicDownscale, resizeImage } from './resize.ts';
import { Rng } from './rng.ts';
import { usmSharpen } from './usm.ts';

/** Independent random streams per stage, so switching one stage off leaves the others' draws unchanged. */
const STAGES = { blur1: 1, resize1: 2, noise1: 3, jpeg1: 4, blur2: 5, resize2: 6, noise2: 7, final: 8 } as const;

/** The random stream of one stage for a degradation seed. */
function stageRng(seed: number, stage: keyof typeof STAGES): Rng {
  return new Rng(seed, STAGES[stage]);
}

/** Blur with a drawn kernel (with the pass's blur probability). */
function randomBlur(image: PlanarImage, rng: Rng, pass: PassConfig): PlanarImage {
  if (!rng.chance(pass.blur.prob)) return image;
  return filter2d(image, drawBlurKernel(rng, pass.blur));
}

/** The random up/down/keep factor of a pass. */
function drawResizeFactor(rng: Rng, pass: PassConfig): number {
  const direction = rng.pickWeighted(['up', 'down', 'keep'] as const, pass.resizeProbs);
  if (direction === 'up') return rng.uniform(1, pass.resizeRange[1]);
  if (direction === 'down') return rng.uniform(pass.resizeRange[0], 1);
  return 1;
}

/** Resize to (baseWidth * factor, baseHeight * factor), floored, with a random mode; keep skips the resize. */
function randomResize(image: PlanarImage, rng: Rng, pass: PassConfig, baseWidth: number, baseHeight: number, antialias: boolean): PlanarImage {
  const factor = drawResizeFactor(rng, pass);
  const mode = rng.pick(pass.resizeModes);
  const width = Math.max(1, Math.floor(baseWidth * factor));
  const height = Math.max(1, Math.floor(baseHeight * factor));
  if (width === image.width && height === image.height) return image;
  return resizeImage(image, width, height, mode, antialias);
}

/** Gaussian or Poisson noise, colour or grey, with the pass's probabilities (in place, clamped). */
function randomNoise(image: PlanarImage, rng: Rng, pass: PassConfig, config: DegradationConfig): PlanarImage {
  if (!rng.chance(pass.noiseProb)) return image;
  const gaussian = rng.chance(pass.gaussianNoiseProb);
  const level = gaussian ? rng.uniform(...pass.noiseSigmaRange) : rng.uniform(...pass.poissonScaleRange);
  const grey = rng.chance(pass.grayNoiseProb);
  const out = { ...image, data: image.data.slice() };
  if (gaussian) addGaussianNoise(out, rng, level, grey);
  else addPoissonNoise(out, rng, level, grey, config.poissonMinCounts);
  return out;
}

/** JPEG at a quality drawn from the pass's range (with the pass's JPEG probability); the input is clamped first. */
async function randomJpeg(image: PlanarImage, rng: Rng, pass: PassConfig, config: DegradationConfig): Promise<PlanarImage> {
  if (!rng.chance(pass.jpegProb)) return image;
  const quality = rng.uniform(...pass.jpegQualityRange);
  return jpegRoundTrip(clamp01InPlace({ ...image, data: image.data.slice() }), quality, config.jpegChromaSubsampling);
}

/** The last step: [resize to LR size + final sinc] and the second JPEG, in random order. */
async function finalStage(image: PlanarImage, seed: number, config: DegradationConfig, lrWidth: number, lrHeight: number): Promise<PlanarImage> {
  const rng = stageRng(seed, 'final');
  const resizeFirst = rng.chance(config.resizeBeforeJpegProb);
  const mode = rng.pick(config.finalResizeModes);
  const sinc = drawFinalSinc(rng, config);
  const resizeAndSinc = (x: PlanarImage): PlanarImage => filter2d(resizeImage(x, lrWidth, lrHeight, mode, config.antialias), sinc);
  const jpeg = (x: PlanarImage): Promise<PlanarImage> => randomJpeg(x, rng, config.second, config);
  return resizeFirst ? jpeg(resizeAndSinc(image)) : resizeAndSinc(await jpeg(image));
}

/**
 * LR image of size floor(HR / scale) by the second-order degradation; deterministic for (hr, seed, scale, config); 8-bit-quantised.
 * `sharpened`: usmSharpen(hr) when the caller made it already (for a sharpened target), so it is not computed twice.
 */
export async function degradeRealEsrgan(hr: PlanarImage, seed: number, scale: number, config: DegradationConfig = REAL_ESRGAN_DEFAULTS, sharpened?: PlanarImage): Promise<PlanarImage> {
  const lrWidth = Math.floor(hr.width / scale);
  const lrHeight = Math.floor(hr.height / scale);
  let out = config.usmSharpen ? (sharpened ?? usmSharpen(hr)) : hr;
  out = randomBlur(out, stageRng(seed, 'blur1'), config.first);
  out = randomResize(out, stageRng(seed, 'resize1'), config.first, hr.width, hr.height, config.antialias);
  out = randomNoise(out, stageRng(seed, 'noise1'), config.first, config);
  out = await randomJpeg(out, stageRng(seed, 'jpeg1'), config.first, config);
  out = randomBlur(out, stageRng(seed, 'blur2'), config.second);
  out = randomResize(out, stageRng(seed, 'resize2'), config.second, lrWidth, lrHeight, config.antialias);
  out = randomNoise(out, stageRng(seed, 'noise2'), config.second, config);
  out = await finalStage(out, seed, config, lrWidth, lrHeight);
  if (out === hr || out === sharpened) out = { ...out, data: out.data.slice() }; // quantised in place below
  return quantize8InPlace(out);
}

/** LR image by plain bicubic downscaling (antialiased unless told otherwise), 8-bit-quantised like the degraded LR. */
export function bicubicLr(hr: PlanarImage, scale: number, antialias = true): PlanarImage {
  return quantize8InPlace(bicubicDownscale(hr, scale, antialias));
}
