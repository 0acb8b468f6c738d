/** Building blocks of the small family with diffusers' module names: ResnetBlock2D (optionally scale-shift conditioned), resamplers, embeddings. */
import { add, concat, cos, mul, resize, silu, sin, split, tensor, unsqueeze, type Value } from '../../graph/index.ts';
import { conv2d, conv3x3, groupNorm, linear } from '../internal/layers.ts';
import type { Params } from '../internal/params.ts';
import { timestepFrequencies } from '../sd3/embeddings.ts';
import { SMALL_NORM_EPS } from './config.ts';
import type { ConvSpec, ResnetSpec } from './layout.ts';

/** GroupNorm settings of a network: its group count and epsilon. */
export interface NormSpec {
  groups: number;
  eps: number;
}

/** The GroupNorm settings of a small-family config (epsilon SMALL_NORM_EPS unless the config sets normEps). */
export const normSpec = (config: { normNumGroups: number; normEps?: number }): NormSpec => ({ groups: config.normNumGroups, eps: config.normEps ?? SMALL_NORM_EPS });

/** Width of the sinusoidal timestep projection (as SD3's Timesteps(256)). */
export const TIMESTEP_CHANNELS = 256;

/** [N, C] → [N, C, 1, 1], to broadcast over the spatial axes. */
const perChannel = (p: Params, v: Value): Value => unsqueeze(p.g, v, [2, 3]);

/**
 * ResnetBlock2D: norm1 → SiLU → conv1 → norm2 → (× (1 + scale) + shift from `time_emb_proj(SiLU(temb))` when
 * conditioned) → SiLU → conv2, plus the input (through a 1×1 `conv_shortcut` when the width changes).
 */
export function resnetBlock(p: Params, spec: ResnetSpec, x: Value, norm: NormSpec, temb: Value | null): Value {
  const { g } = p;
  const { key } = spec;
  let h = conv3x3(p, `${key}.conv1`, silu(g, groupNorm(p, `${key}.norm1`, x, norm.groups, norm.eps)));
  h = groupNorm(p, `${key}.norm2`, h, norm.groups, norm.eps);
  if (spec.timeEmbedDim !== null) {
    if (!temb) throw new Error(`${key}: a conditioned ResNet block needs the time embedding`);
    const [scale, shift] = split(g, linear(p, `${key}.time_emb_proj`, silu(g, temb)), [spec.outChannels, spec.outChannels], 1) as [Value, Value];
    h = add(g, mul(g, h, add(g, perChannel(p, scale), 1)), perChannel(p, shift));
  }
  h = conv3x3(p, `${key}.conv2`, silu(g, h));
  const shortcut = spec.inChannels !== spec.outChannels ? conv2d(p, `${key}.conv_shortcut`, x) : x;
  return add(g, shortcut, h);
}

/** A stride-2 3×3 conv; `asymmetric` pads only bottom and right (diffusers' VAE), otherwise one cell on every side (its UNet). */
export function downsample(p: Params, spec: ConvSpec, x: Value, asymmetric: boolean): Value {
  return conv2d(p, spec.key, x, { stride: 2, pads: asymmetric ? [0, 0, 1, 1] : [1, 1, 1, 1] });
}

/** Upsample2D: nearest-neighbour ×2, then a 3×3 conv (which may change the width). */
export function upsample(p: Params, spec: ConvSpec, x: Value): Value {
  const up = resize(p.g, x, { mode: 'nearest', scales: [1, 1, 2, 2], coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' });
  return conv3x3(p, spec.key, up);
}

/** GroupNorm → SiLU → 3×3 conv: the output stage of every small network. */
export function normActConv(p: Params, normKey: string, conv: ConvSpec, x: Value, norm: NormSpec): Value {
  return conv3x3(p, conv.key, silu(p.g, groupNorm(p, normKey, x, norm.groups, norm.eps)));
}

/** Timesteps(256, flip_sin_to_cos): t [N] on the 0..1000 scale → [cos(t·ω), sin(t·ω)] [N, 256]. */
export function timestepProjection(p: Params, timestep: Value): Value {
  const { g } = p;
  const freqs = timestepFrequencies(TIMESTEP_CHANNELS);
  const angles = mul(g, unsqueeze(g, timestep, [1]), g.constant(tensor('float32', [1, freqs.length], freqs), 'timestep_freqs'));
  return concat(g, [cos(g, angles), sin(g, angles)], 1);
}

/** TimestepEmbedding: linear_1 → SiLU → linear_2. */
export function embeddingMlp(p: Params, key: string, x: Value): Value {
  return linear(p, `${key}.linear_2`, silu(p.g, linear(p, `${key}.linear_1`, x)));
}
