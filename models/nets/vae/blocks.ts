/** The VAE's building blocks with diffusers' module names: ResnetBlock2D, mid-block attention, down- and up-samplers. */
import { add, resize, reshape, scaledDotProductAttention, shapeOf, silu, transpose, type Value } from '../../graph/index.ts';
import { conv2d, conv3x3, groupNorm, linear } from '../internal/layers.ts';
import type { Params } from '../internal/params.ts';
import { VAE_NORM_EPS } from './config.ts';

/** ResnetBlock2D without time embedding: norm1 → SiLU → conv1 → norm2 → SiLU → conv2, plus the (1×1 conv) shortcut. */
export function resnetBlock(p: Params, key: string, x: Value, groups: number): Value {
  const { g } = p;
  let h = conv3x3(p, `${key}.conv1`, silu(g, groupNorm(p, `${key}.norm1`, x, groups, VAE_NORM_EPS)));
  h = conv3x3(p, `${key}.conv2`, silu(g, groupNorm(p, `${key}.norm2`, h, groups, VAE_NORM_EPS)));
  const shortcut = p.has(`${key}.conv_shortcut.weight`) ? conv2d(p, `${key}.conv_shortcut`, x) : x;
  return add(g, shortcut, h);
}

/** The mid-block's single-head spatial self-attention with group norm and a residual connection. */
export function spatialAttention(p: Params, key: string, x: Value, groups: number): Value {
  const { g } = p;
  const normed = groupNorm(p, `${key}.group_norm`, x, groups, VAE_NORM_EPS);
  const tokens = transpose(g, reshape(g, normed, [0, 0, -1]), [0, 2, 1]); // [N, H·W, C]
  const [q, k, v] = ['to_q', 'to_k', 'to_v'].map((name) => linear(p, `${key}.${name}`, tokens)) as [Value, Value, Value];
  const attended = linear(p, `${key}.to_out.0`, scaledDotProductAttention(g, q, k, v));
  const back = reshape(g, transpose(g, attended, [0, 2, 1]), shapeOf(g, x));
  return add(g, back, x);
}

/** UNetMidBlock2D: resnet, attention (when the config has it), resnet. */
export function midBlock(p: Params, key: string, x: Value, groups: number, withAttention: boolean): Value {
  let h = resnetBlock(p, `${key}.resnets.0`, x, groups);
  if (withAttention) h = spatialAttention(p, `${key}.attentions.0`, h, groups);
  return resnetBlock(p, `${key}.resnets.1`, h, groups);
}

/** Downsample2D as the VAE uses it: zero pad right and bottom by one, then a 3×3 conv with stride 2. */
export const downsample = (p: Params, key: string, x: Value): Value => conv2d(p, `${key}.conv`, x, { stride: 2, pads: [0, 0, 1, 1] });

/** Upsample2D: nearest-neighbour ×2, then a 3×3 conv. */
export function upsample(p: Params, key: string, x: Value): Value {
  const up = resize(p.g, x, { mode: 'nearest', scales: [1, 1, 2, 2], coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' });
  return conv3x3(p, `${key}.conv`, up);
}

