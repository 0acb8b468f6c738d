/** Trainer data: seeded RNG, folder scanning, random crops, Real-ESRGAN degradation and bicubic LR, worker DataLoader. */
export { Rng, hashSeed, type RngState } from './rng.ts';
export * from './image.ts';
export * from './kernels.ts';
export * from './config.ts';
export { filter2d, trimKernel } from './filter.ts';
export { resizeImage, bicubicDownscale } from './resize.ts';
export { addGaussianNoise, addPoissonNoise, fillNormal, poissonCdf } from './noise.ts';
export { jpegRoundTrip } from './jpeg.ts';
export { usmSharpen, opencvDefaultSigma } from './usm.ts';
export { drawBlurKernel, drawFinalSinc, drawKernelOfType } from './random-kernels.ts';
export { degradeRealEsrgan, bicubicLr } from './degrade.ts';
export {
  scanImageFolder, scanImageFolderReport, scanTrainingFolder, IMAGE_EXTENSIONS,
  type FolderScan, type ImageEntry, type ScanOptions, type SkippedImage, type TrainingScanOptions,
} from './folder.ts';
export { makeSample, randomCrop, epochOrder, sampleOptions, windowDetail, type SampleOptions, type TrainingSample } from './sample.ts';
export { DataLoader, stackSamples, type DataLoaderOptions, type DataLoaderState, type TrainingBatch } from './loader.ts';
