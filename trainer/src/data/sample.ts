/** One training pair: a random HR crop of a dataset image and its LR counterpart, a pure function of (seed, epoch, index). */
import sharp from 'sharp';
import { degradationConfig, type DegradationConfig, type DegradationOverrides } from './config.ts';
import { bicubicLr, degradeRealEsrgan } from './degrade.ts';
import type { ImageEntry } from './folder.ts';
import { createImage, cropReflect, flipHorizontal, flipVertical, transpose, type PlanarImage } from './image.ts';
import { Rng } from './rng.ts';
import { usmSharpen } from './usm.ts';
import { resizePlanar } from '../../../models/runtime/resize.ts';

/** How samples are made. */
export interface SampleOptions {
  /** HR crop side in pixels (default 512). */
  readonly cropSizePx: number;
  /** Super-resolution factor; the LR side is cropSizePx / scale (default 4). */
  readonly scale: number;
  /** When set, each sample draws its factor from these (cropSizePx must be a multiple of each); `scale` is then unused. */
  readonly scales?: readonly number[];
  /** 'realesrgan' (second-order degradation), 'bicubic' (plain antialiased bicubic) or 'mixed' (each sample draws one). */
  readonly degradation: 'realesrgan' | 'bicubic' | 'mixed';
  /** Under 'mixed', the share of samples degraded by plain bicubic (default 0.5). */
  readonly bicubicShare: number;
  /**
   * Bicubically upsample the LR back to the crop size (Keys a = −0.75, half-pixel, as the runtime's first step),
   * so samples of every scale share one shape; `lrSizePx` is then the crop size.
   */
  readonly upsampleLr: boolean;
  readonly degradationConfig: DegradationConfig;
  /** Random left-right flips (Real-ESRGAN use_hflip, default true). */
  readonly hflip: boolean;
  /** Random 90° rotations (Real-ESRGAN use_rot, default false). */
  readonly rotate: boolean;
  /** Background (0..255 RGB) that transparent pixels are composited over (default white). */
  readonly background: readonly [number, number, number];
  /**
   * Candidate windows per crop (default 1): above 1, a region of twice the crop side is read and the candidate with
   * the most detail (mean absolute gradient) is kept, so icons and flat wallpapers, mostly empty at a random spot,
   * give edges to learn from more often. Images that are flat everywhere still give flat crops.
   */
  readonly detailCandidates: number;
  /**
   * Return the HR sharpened by `usmSharpen` (Real-ESRGAN's `gt_usm`), so the losses train towards it (default false);
   * the LR is made as without it (the degradation sharpens its own input when its config says so).
   */
  readonly targetUsm: boolean;
}

/** Sample options from partial ones (degradation config as overrides of the published defaults). */
export function sampleOptions(options: Partial<Omit<SampleOptions, 'degradationConfig'>> & { degradationConfig?: DegradationOverrides } = {}): SampleOptions {
  const { degradationConfig: overrides, ...rest } = options;
  const resolved: SampleOptions = {
    cropSizePx: 512, scale: 4, degradation: 'realesrgan', bicubicShare: 0.5, upsampleLr: false, hflip: true, rotate: false, background: [255, 255, 255], detailCandidates: 1, targetUsm: false,
    ...rest, degradationConfig: degradationConfig(overrides ?? {}),
  };
  const scales = resolved.scales ?? [resolved.scale];
  if (scales.length === 0) throw new Error('scales: give at least one factor');
  if (scales.length > 1 && !resolved.upsampleLr) throw new Error('several scales need upsampleLr, so every sample has the same shape');
  for (const s of scales) {
    if (!(Number.isInteger(s) && s >= 1) || !Number.isInteger(resolved.cropSizePx / s)) throw new Error(`crop ${resolved.cropSizePx} is not a multiple of scale ${s}`);
  }
  if (!(resolved.bicubicShare >= 0 && resolved.bicubicShare <= 1)) throw new Error(`bicubicShare must be within 0..1, not ${resolved.bicubicShare}`);
  if (!(Number.isInteger(resolved.detailCandidates) && resolved.detailCandidates >= 1)) throw new Error(`detailCandidates must be a whole number of at least 1, not ${resolved.detailCandidates}`);
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
  /** The factor and degradation this sample was made with (drawn per sample under `scales` / 'mixed'). */
  readonly scale: number;
  readonly degradation: 'realesrgan' | 'bicubic';
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
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new Error(`${entry.relativePath}: cannot read image (${String((error as Error)?.message ?? error).split('\n')[0]})`);
    });
  return planarFromPixels(data, info.width, info.height, info.channels);
}

/** Mean absolute difference between horizontal and vertical neighbours over the window's pixels (all channels). */
export function windowDetail(image: PlanarImage, left: number, top: number, size: number): number {
  const { data, width, height, channels } = image;
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const plane = c * width * height;
    for (let y = top; y < top + size - 1; y++) {
      const row = plane + y * width;
      for (let x = left; x < left + size - 1; x++) {
        const v = data[row + x] as number;
        sum += Math.abs((data[row + x + 1] as number) - v) + Math.abs((data[row + width + x] as number) - v);
      }
    }
  }
  return sum / (channels * (size - 1) * (size - 1));
}

/** Reads the square window at a random position (reflect-padded when the image is smaller), or the most detailed of several. */
async function readWindow(entry: ImageEntry, rng: Rng, options: SampleOptions): Promise<PlanarImage> {
  const size = options.cropSizePx;
  const span = options.detailCandidates > 1 ? 2 * size : size; // the region candidates are drawn from
  const [width, height] = [Math.min(span, entry.width), Math.min(span, entry.height)];
  const left = rng.int(0, Math.max(0, entry.width - width));
  const top = rng.int(0, Math.max(0, entry.height - height));
  let region = await readRegion(entry, left, top, width, height, options.background);
  if (width < size || height < size) region = cropReflect(region, 0, 0, Math.max(size, width), Math.max(size, height));
  if (options.detailCandidates === 1) return region;
  let best = { x: 0, y: 0, detail: -1 };
  for (let k = 0; k < options.detailCandidates; k++) {
    const x = rng.int(0, region.width - size);
    const y = rng.int(0, region.height - size);
    const detail = windowDetail(region, x, y, size);
    if (detail > best.detail) best = { x, y, detail };
  }
  return cropReflect(region, best.x, best.y, size, size);
}

/** A random square crop (reflect-padded when the image is smaller), with optional flips/rotations. */
export async function randomCrop(entry: ImageEntry, rng: Rng, options: SampleOptions): Promise<PlanarImage> {
  let crop = await readWindow(entry, rng, options);
  if (options.hflip && rng.chance(0.5)) crop = flipHorizontal(crop);
  if (options.rotate && rng.chance(0.5)) crop = flipVertical(crop);
  if (options.rotate && rng.chance(0.5)) crop = transpose(crop);
  return crop;
}

/** The runtime's first step on an LR image: Keys a = −0.75 bicubic to `size`², clamped to [0, 1]. */
function upsampleLike(lr: PlanarImage, size: number): Float32Array {
  const up = resizePlanar(lr.data, 3, lr.height, lr.width, size, size, -0.75);
  for (let i = 0; i < up.length; i++) up[i] = Math.min(1, Math.max(0, up[i] as number));
  return up;
}

/** The sample at (epoch, index): the entry is epochOrder(...)[index mod count]; everything else comes from Rng(seed, 2, epoch, index). */
export async function makeSample(entries: readonly ImageEntry[], options: SampleOptions, seed: number, epoch: number, index: number, order?: readonly number[]): Promise<TrainingSample> {
  if (entries.length === 0) throw new Error('no images to sample from');
  const entryIndex = (order ?? epochOrder(entries.length, seed, epoch))[index % entries.length] as number;
  const entry = entries[entryIndex] as ImageEntry;
  const rng = new Rng(seed, 2, epoch, index);
  const hr = await randomCrop(entry, rng, options);
  const degradationSeed = rng.nextUint32();
  const scale = options.scales ? (options.scales[rng.int(0, options.scales.length - 1)] as number) : options.scale;
  const bicubic = options.degradation === 'bicubic' || (options.degradation === 'mixed' && rng.chance(options.bicubicShare));
  const sharpened = options.targetUsm ? usmSharpen(hr) : undefined;
  const lr = bicubic ? bicubicLr(hr, scale) : await degradeRealEsrgan(hr, degradationSeed, scale, options.degradationConfig, sharpened);
  const lrData = options.upsampleLr ? upsampleLike(lr, hr.width) : lr.data;
  return {
    epoch, index, hr: (sharpened ?? hr).data, lr: lrData, hrSizePx: hr.width, lrSizePx: options.upsampleLr ? hr.width : lr.width, scale, degradation: bicubic ? 'bicubic' : 'realesrgan',
    caption: entry.caption ?? entry.style, style: entry.style, relativePath: entry.relativePath,
  };
}
