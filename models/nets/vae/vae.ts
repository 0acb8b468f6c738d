/** SD3's AutoencoderKL as pure functions: the encoder (image → posterior mean) and the decoder (latent → image). */
import { Graph, silu, slice, type Value } from '../../graph/index.ts';
import { conv2d, conv3x3, groupNorm } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';
import { downsample, midBlock, resnetBlock, upsample } from './blocks.ts';
import { VAE_NORM_EPS, type VaeConfig } from './config.ts';

/** Encoder: [N, 3, H, W] in [-1, 1] → posterior mean [N, latent, H/f, W/f] (first half of the moments). */
export function vaeEncoder(g: Graph, weights: WeightSource, config: VaeConfig, image: Value, options: BuildOptions = {}): Value {
  const p = new Params(g, weights, options);
  const groups = config.normNumGroups;
  const channels = config.blockOutChannels;
  let h = conv3x3(p, 'encoder.conv_in', image);
  channels.forEach((_, i) => {
    for (let j = 0; j < config.layersPerBlock; j++) h = resnetBlock(p, `encoder.down_blocks.${i}.resnets.${j}`, h, groups);
    if (i < channels.length - 1) h = downsample(p, `encoder.down_blocks.${i}.downsamplers.0`, h);
  });
  h = midBlock(p, 'encoder.mid_block', h, groups, config.midBlockAddAttention);
  h = conv3x3(p, 'encoder.conv_out', silu(g, groupNorm(p, 'encoder.conv_norm_out', h, groups, VAE_NORM_EPS)));
  if (config.useQuantConv) h = conv2d(p, 'quant_conv', h);
  return slice(g, h, { starts: [0], ends: [config.latentChannels], axes: [1] });
}

/** Decoder: latent [N, latent, h, w] (already divided by the scaling factor) → image [N, 3, h·f, w·f]. */
export function vaeDecoder(g: Graph, weights: WeightSource, config: VaeConfig, latent: Value, options: BuildOptions = {}): Value {
  const p = new Params(g, weights, options);
  const groups = config.normNumGroups;
  const reversed = [...config.blockOutChannels].reverse();
  let h = config.usePostQuantConv ? conv2d(p, 'post_quant_conv', latent) : latent;
  h = conv3x3(p, 'decoder.conv_in', h);
  h = midBlock(p, 'decoder.mid_block', h, groups, config.midBlockAddAttention);
  reversed.forEach((_, i) => {
    for (let j = 0; j <= config.layersPerBlock; j++) h = resnetBlock(p, `decoder.up_blocks.${i}.resnets.${j}`, h, groups);
    if (i < reversed.length - 1) h = upsample(p, `decoder.up_blocks.${i}.upsamplers.0`, h);
  });
  return conv3x3(p, 'decoder.conv_out', silu(g, groupNorm(p, 'decoder.conv_norm_out', h, groups, VAE_NORM_EPS)));
}

/** Static or symbolic image size of a standalone graph; symbolic by default so any tile size runs. */
export interface VaeGraphSize {
  batch?: number | string;
  height?: number | string;
  width?: number | string;
}

/** A standalone encoder graph: input `image` [N, 3, H, W], output `latent` (the posterior mean). */
export function vaeEncoderGraph(weights: WeightSource, config: VaeConfig, size: VaeGraphSize = {}, options: BuildOptions = {}): Graph {
  const g = new Graph('vae_encoder');
  const image = g.input('image', 'float32', [size.batch ?? 'N', config.inChannels, size.height ?? 'H', size.width ?? 'W']);
  g.output(vaeEncoder(g, weights, config, image, options), 'latent');
  return g;
}

/** A standalone decoder graph: input `latent` [N, C, h, w] (size given in latent cells), output `image` [N, 3, h·f, w·f]. */
export function vaeDecoderGraph(weights: WeightSource, config: VaeConfig, size: VaeGraphSize = {}, options: BuildOptions = {}): Graph {
  const g = new Graph('vae_decoder');
  const latent = g.input('latent', 'float32', [size.batch ?? 'N', config.latentChannels, size.height ?? 'h', size.width ?? 'w']);
  g.output(vaeDecoder(g, weights, config, latent, options), 'image');
  return g;
}
