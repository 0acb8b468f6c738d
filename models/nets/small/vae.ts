/** The small VAE as pure functions: space-to-depth stem → encoder → moments; latent → decoder → depth-to-space head. */
import { Graph, add, clip, depthToSpace, exp, mul, slice, spaceToDepth, type Value } from '../../graph/index.ts';
import { conv3x3 } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';
import { downsample, normActConv, normSpec, resnetBlock, upsample } from './blocks.ts';
import { smallVaeLatentFactor, type SmallVaeConfig } from './config.ts';
import { smallVaeDecoderLayout, smallVaeEncoderLayout } from './layout.ts';

/** The encoder's diagonal Gaussian posterior: mean and log-variance, each [N, latent, H/f, W/f]. */
export interface SmallVaeMoments {
  mean: Value;
  logVariance: Value;
}

function checkImageSize(image: Value, factor: number): void {
  for (const d of image.shape.slice(2)) {
    if (typeof d === 'number' && d % factor !== 0) throw new Error(`small VAE: image size ${d} is not a multiple of the latent factor ${factor}`);
  }
}

/** Throws unless a pixel-shuffle-skip config is one the skip fits (one encoder level, latent = channels · stem²). */
export function checkPixelShuffleSkip(config: SmallVaeConfig): void {
  if (!config.pixelShuffleSkip) return;
  const s2 = config.stemFactor ** 2;
  if (config.encoderChannels.length !== 1 || config.decoderChannels.length !== 1) throw new Error('small VAE: the pixel-shuffle skip needs exactly one encoder and one decoder level');
  if (config.latentChannels !== config.inChannels * s2 || config.latentChannels !== config.outChannels * s2) {
    throw new Error(`small VAE: the pixel-shuffle skip needs ${config.inChannels * s2} latent channels (channels · stem²), not ${config.latentChannels}`);
  }
}

/** The encoder up to conv_out: [N, 3, H, W] → [N, 2·latent, H/f, W/f] (mean channels first, then log-variance), and the stem. */
function encoderMoments(p: Params, config: SmallVaeConfig, image: Value): { moments: Value; stem: Value } {
  checkImageSize(image, smallVaeLatentFactor(config));
  checkPixelShuffleSkip(config);
  const layout = smallVaeEncoderLayout(config);
  const norm = normSpec(config);
  const stem = spaceToDepth(p.g, image, config.stemFactor);
  let h = conv3x3(p, layout.convIn.key, stem);
  for (const level of layout.levels) {
    for (const r of level.resnets) h = resnetBlock(p, r, h, norm, null);
    if (level.resample) h = downsample(p, level.resample, h, true);
  }
  for (const r of layout.mid) h = resnetBlock(p, r, h, norm, null);
  return { moments: normActConv(p, layout.normOut.key, layout.convOut, h, norm), stem };
}

/** The posterior mean: the first half of the moments, plus the space-to-depth stem under the pixel-shuffle skip. */
function posteriorMean(g: Graph, config: SmallVaeConfig, moments: Value, stem: Value): Value {
  const mean = slice(g, moments, { starts: [0], ends: [config.latentChannels], axes: [1] });
  return config.pixelShuffleSkip ? add(g, mean, stem) : mean;
}

/** Encoder for training: image in [-1, 1] → posterior mean and log-variance (clamped to [−30, 20] as diffusers does). */
export function smallVaeEncoderMoments(g: Graph, weights: WeightSource, config: SmallVaeConfig, image: Value, options: BuildOptions = {}): SmallVaeMoments {
  const { moments, stem } = encoderMoments(new Params(g, weights, options), config, image);
  const c = config.latentChannels;
  const logVariance = clip(g, slice(g, moments, { starts: [c], ends: [2 * c], axes: [1] }), { min: -30, max: 20 });
  return { mean: posteriorMean(g, config, moments, stem), logVariance };
}

/** Encoder for inference: image in [-1, 1] → posterior mean [N, latent, H/f, W/f]. */
export function smallVaeEncoder(g: Graph, weights: WeightSource, config: SmallVaeConfig, image: Value, options: BuildOptions = {}): Value {
  const { moments, stem } = encoderMoments(new Params(g, weights, options), config, image);
  return posteriorMean(g, config, moments, stem);
}

/** A posterior sample mean + exp(logVariance / 2) · noise, with standard normal noise fed by the caller. */
export function sampleLatent(g: Graph, moments: SmallVaeMoments, noise: Value): Value {
  return add(g, moments.mean, mul(g, exp(g, mul(g, moments.logVariance, 0.5)), noise));
}

/** Decoder: latent [N, latent, h, w] (already divided by the scaling factor) → image [N, 3, h·f, w·f]. */
export function smallVaeDecoder(g: Graph, weights: WeightSource, config: SmallVaeConfig, latent: Value, options: BuildOptions = {}): Value {
  const p = new Params(g, weights, options);
  const layout = smallVaeDecoderLayout(config);
  const norm = normSpec(config);
  let h = conv3x3(p, layout.convIn.key, latent);
  for (const r of layout.mid) h = resnetBlock(p, r, h, norm, null);
  for (const level of layout.levels) {
    for (const r of level.resnets) h = resnetBlock(p, r, h, norm, null);
    if (level.resample) h = upsample(p, level.resample, h);
  }
  checkPixelShuffleSkip(config);
  const head = normActConv(p, layout.normOut.key, layout.convOut, h, norm);
  return depthToSpace(g, config.pixelShuffleSkip ? add(g, head, latent) : head, config.stemFactor, 'DCR');
}

/** Static or symbolic size of a standalone graph; symbolic by default so any tile size runs. */
export interface SmallGraphSize {
  batch?: number | string;
  height?: number | string;
  width?: number | string;
}

/** A standalone encoder graph: input `image` [N, 3, H, W], output `latent` (the posterior mean). */
export function smallVaeEncoderGraph(weights: WeightSource, config: SmallVaeConfig, size: SmallGraphSize = {}, options: BuildOptions = {}): Graph {
  const g = new Graph('small_vae_encoder');
  const image = g.input('image', 'float32', [size.batch ?? 'N', config.inChannels, size.height ?? 'H', size.width ?? 'W']);
  g.output(smallVaeEncoder(g, weights, config, image, options), 'latent');
  return g;
}

/** A standalone decoder graph: input `latent` [N, C, h, w] (size in latent cells), output `image` [N, 3, h·f, w·f]. */
export function smallVaeDecoderGraph(weights: WeightSource, config: SmallVaeConfig, size: SmallGraphSize = {}, options: BuildOptions = {}): Graph {
  const g = new Graph('small_vae_decoder');
  const latent = g.input('latent', 'float32', [size.batch ?? 'N', config.latentChannels, size.height ?? 'h', size.width ?? 'w']);
  g.output(smallVaeDecoder(g, weights, config, latent, options), 'image');
  return g;
}
