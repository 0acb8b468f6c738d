/**
 * A small VGG-style patch discriminator for adversarial training of the student: images in [0, 1] → per-patch
 * logits. conv_in 3×3 (3 → widths[0]) and LeakyReLU, then per further width a 4×4 stride-2 conv and LeakyReLU,
 * then conv_out 3×3 to one channel. No normalisation layers (and no spectral norm: see docs/training.md).
 */
import { leakyRelu, mul, sub, type Graph, type Value } from '../../graph/index.ts';
import { conv2d } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';

/** Widths and activation of a patch discriminator. */
export interface PatchDiscriminatorConfig {
  /** Channels after conv_in, then after each stride-2 block (one block per further entry). */
  widths: readonly number[];
  /** LeakyReLU slope for negative inputs. */
  negativeSlope: number;
}

/**
 * 16 → 32 → 64 → 64 channels, LeakyReLU(0.2): logits on a 1/8-resolution grid, each seeing a 40 px window. Half the
 * widths of the usual 32 → 64 → 128 VGG-style start, which at 128 px crops cost a CPU step about 3× the fast student's.
 */
export const PATCH_DISCRIMINATOR_CONFIG: Readonly<PatchDiscriminatorConfig> = Object.freeze({ widths: Object.freeze([16, 32, 64, 64]), negativeSlope: 0.2 });

/** Key of the stride-2 conv of down block `i`. */
const downKey = (i: number): string => `down_blocks.${i}.conv`;

/** Every weight key of a patch discriminator with its dims ([out, in, k, k] and [out]). */
export function patchDiscriminatorWeightShapes(config: PatchDiscriminatorConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const addConv = (key: string, inChannels: number, outChannels: number, kernel: number): void => {
    shapes.set(`${key}.weight`, [outChannels, inChannels, kernel, kernel]);
    shapes.set(`${key}.bias`, [outChannels]);
  };
  const { widths } = config;
  if (widths.length === 0) throw new Error('patch discriminator: give at least one width');
  addConv('conv_in', 3, widths[0] as number, 3);
  for (let i = 1; i < widths.length; i++) addConv(downKey(i - 1), widths[i - 1] as number, widths[i] as number, 4);
  addConv('conv_out', widths.at(-1) as number, 1, 3);
  return shapes;
}

/**
 * Every activation of a patch discriminator on images [N, 3, H, W] in [0, 1] (mapped to [−1, 1] first): the output of
 * conv_in's and of each down block's LeakyReLU, then the logits [N, 1, H/2^k, W/2^k] (k = widths − 1) last.
 */
export function patchDiscriminatorFeatures(g: Graph, weights: WeightSource, config: PatchDiscriminatorConfig, image: Value, options: BuildOptions = {}): Value[] {
  const p = new Params(g, weights, options);
  const act = (x: Value): Value => leakyRelu(g, x, config.negativeSlope);
  const features = [act(conv2d(p, 'conv_in', sub(g, mul(g, image, 2), 1), { pads: [1, 1, 1, 1] }))];
  for (let i = 1; i < config.widths.length; i++) features.push(act(conv2d(p, downKey(i - 1), features.at(-1) as Value, { stride: 2, pads: [1, 1, 1, 1] })));
  features.push(conv2d(p, 'conv_out', features.at(-1) as Value, { pads: [1, 1, 1, 1] }));
  return features;
}

/** Logits [N, 1, H/2^k, W/2^k] (k = widths − 1) of images [N, 3, H, W] in [0, 1]: the last of `patchDiscriminatorFeatures`. */
export function patchDiscriminator(g: Graph, weights: WeightSource, config: PatchDiscriminatorConfig, image: Value, options: BuildOptions = {}): Value {
  return patchDiscriminatorFeatures(g, weights, config, image, options).at(-1) as Value;
}
