/** One training pair: a random HR crop of a dataset image and its LR counterpart, a pure function of (seed, epoch, index). */
import sharp from 'sharp';
import { degradationConfig, type DegradationConfig, type DegradationOverrides } from './config.ts';
import { bicubicLr, degradeRealEsrgan } from './degrade.ts';
import type { ImageEntry } from './folder.ts';
import { createImage, cropReflect, flipHorizontal, flipVertical, transpose, type PlanarImage } from './image.ts';
import { Rng } from './rng.ts';

/** How samples are made. */
export interface SampleOptions {
  /** HR crop side in pixels (default 512). */
  readonly cropSizePx: number;
  /** Super-resolution factor; the LR side is cropSizePx / scale (default 4). */
  readonly scale: number;
  /** 'realesrgan' (second-order degradation) or 'bicubic' (plain antialiased bicubic). */
  readonly degradation: 'realesrgan' | 'bicubic';
  readonly degradationConfig: DegradationConfig;
  /** Random left-right flips (Real-ESRGAN use_hflip, default true). */
  readonly hflip: boolean;
  /** Random 90° rotations (Real-ESRGAN use_rot, default false). */
  readonly rotate: boolean;
  /** Background (0..255 RGB) that transparent pixels are composited over (default white). */
  readonly background: readonly [number, number, number];
}

/** Sample options from partial ones (degradation config as overrides of the published defaults). */
export function sampleOptions(options: Partial<Omit<SampleOptions, 'degradationConfig'>> & { degradationConfig?: DegradationOverrides } = {}): SampleOptions {
  const { degradationConfig: overrides, ...rest } = options;
  const resolved: SampleOptions = {
    cropSizePx: 512, scale: 4, degradation: 'realesrgan', hflip: true, rotate: false, background: [255, 255, 255],
    ...rest, degradationConfig: degradationConfig(overrides ?? {}),
  };
  if (!Number.isInteger(resolved.cropSizePx / resolved.scale)) throw new Error(`crop ${resolved.cropSizePx} is not a multiple of scale ${resolved.scale}`);
  return resolved;
}

/** A prepared pair: HR [3, crop, crop] and LR [3, crop/scale, crop/scale], planar float32 in [0, 1]. */
export interface TrainingSample {
  readonly epoch: number;
  readonly index: number;
  readonly hr: Float32Array;
  readonly lr: Float32Array;
  readonly hrSizePx: number;
  readonly lrSizePx: number;
  /** The caption beside the image, else the style name. */
  readonly caption: string;
  readonly style: string;
  readonly relativePath: string;
}

/** The dataset order of an epoch: a permutation of entry indices drawn from (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  return new Rng(seed, 1, epoch).permutation(count);
}

/** Planar float RGB from decoded 8-bit pixels with 1–4 channels (grey replicated; alpha already flattened). */
function planarFromPixels(pixels: Uint8Array, width: number, height: number, channels: number): PlanarImage {
  const image = createImage(width, height, 3);
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const source = channels >= 3 ? c : 0;
      image.data[c * plane + i] = (pixels[i * channels + source] as number) / 255;
    }
  }
  return image;
}

/** Decode the part of the image a crop needs, composited over the background. */
async function readRegion(entry: ImageEntry, left: number, top: number, width: number, height: number, background: readonly [number, number, number]): Promise<PlanarImage> {
  const [r, g, b] = background;
  const { data, info } = await sharp(entry.path, { limitInputPixels: false })
    .extract({ left, top, width, height })
    .flatten({ background: { r, g, b } })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return planarFromPixels(data, info.width, info.height, info.channels);
}

/** A random square crop (reflect-padded when the image is smaller), with optional flips/rotations. */
export async function randomCrop(entry: ImageEntry, rng: Rng, options: SampleOptions): Promise<PlanarImage> {
  const size = options.cropSizePx;
  const left = rng.int(0, Math.max(0, entry.width - size));
  const top = rng.int(0, Math.max(0, entry.height - size));
  const width = Math.min(size, entry.width);
  const height = Math.min(size, entry.height);
  let crop = await readRegion(entry, left, top, width, height, options.background);
  if (width < size || height < size) crop = cropReflect(crop, 0, 0, size, size);
  if (options.hflip && rng.chance(0.5)) crop = flipHorizontal(crop);
  if (options.rotate && rng.chance(0.5)) crop = flipVertical(crop);
  if (options.rotate && rng.chance(0.5)) crop = transpose(crop);
  return crop;
}

/** The sample at (epoch, index): the entry is epochOrder(...)[index mod count]; everything else comes from Rng(seed, 2, epoch, index). */
export async function makeSample(entries: readonly ImageEntry[], options: SampleOptions, seed: number, epoch: number, index: number, order?: readonly number[]): Promise<TrainingSample> {
  if (entries.length === 0) throw new Error('no images to sample from');
  const entryIndex = (order ?? epochOrder(entries.length, seed, epoch))[index % entries.length] as number;
  const entry = entries[entryIndex] as ImageEntry;
  const rng = new Rng(seed, 2, epoch, index);
  const hr = await randomCrop(entry, rng, options);
  const degradationSeed = rng.nextUint32();
  const lr = options.degradation === 'bicubic'
    ? bicubicLr(hr, options.scale)
    : await degradeRealEsrgan(hr, degradationSeed, options.scale, options.degradationConfig);
  return {
    epoch, index, hr: hr.data, lr: lr.data, hrSizePx: hr.width, lrSizePx: lr.width,
    caption: entry.caption ?? entry.style, style: entry.style, relativePath: entry.relativePath,
  };
}
