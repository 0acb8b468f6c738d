/** Layers shared by the SD3 transformer and VAE, addressed by diffusers module keys: Linear, Conv2d, GroupNorm, LayerNorm. */
import {
  add, conv, div, layerNormalization, matmul, mul, reduceMean, reshape, shapeOf, sqrt, sub, tensorFrom, transpose,
  type Graph, type Value,
} from '../../graph/index.ts';
import type { Params } from './params.ts';

/** x Wᵀ + b for `<key>.weight` [out, in] and `<key>.bias`, plus the LoRA branch when one is asked for. */
export function linear(p: Params, key: string, x: Value): Value {
  const { g } = p;
  let y = matmul(g, x, transpose(g, p.get(`${key}.weight`), [1, 0]));
  if (p.has(`${key}.bias`)) y = add(g, y, p.get(`${key}.bias`));
  const lora = p.lora(key);
  if (!lora) return y;
  const down = matmul(g, x, transpose(g, lora.a, [1, 0]));
  return add(g, y, mul(g, matmul(g, down, transpose(g, lora.b, [1, 0])), lora.scale));
}

/** Geometry of a 2-D convolution: stride and ONNX-ordered pads [top, left, bottom, right]. */
export interface Conv2dGeometry {
  stride?: number;
  pads?: readonly [number, number, number, number];
}

/** Conv2d with `<key>.weight` [out, in, kh, kw] and optional `<key>.bias`, plus peft's conv LoRA branch. */
export function conv2d(p: Params, key: string, x: Value, geometry: Conv2dGeometry = {}): Value {
  const { g } = p;
  const s = geometry.stride ?? 1;
  const options = { strides: [s, s], pads: geometry.pads ?? [0, 0, 0, 0] };
  const weight = p.get(`${key}.weight`);
  const y = conv(g, x, weight, p.has(`${key}.bias`) ? p.get(`${key}.bias`) : undefined, options);
  const lora = p.lora(key);
  if (!lora) return y;
  const branch = conv(g, conv(g, x, lora.a, undefined, options), lora.b);
  return add(g, y, mul(g, branch, lora.scale));
}

/** A 3×3 convolution with padding 1 (the VAE's most common layer). */
export const conv3x3 = (p: Params, key: string, x: Value): Value => conv2d(p, key, x, { pads: [1, 1, 1, 1] });

/** (x − mean) / sqrt(var + eps) over the last axis (biased variance), computed from primitives. */
function normalizeLastAxis(g: Graph, x: Value, epsilon: number): Value {
  const centred = sub(g, x, reduceMean(g, x, { axes: [-1] }));
  const variance = reduceMean(g, mul(g, centred, centred), { axes: [-1] });
  return div(g, centred, sqrt(g, add(g, variance, epsilon)));
}

/** torch GroupNorm on [N, C, ...] with affine `<key>.weight`/`<key>.bias`; spatial dims may be symbolic. */
export function groupNorm(p: Params, key: string, x: Value, groups: number, epsilon: number): Value {
  const { g } = p;
  const channels = x.shape[1];
  if (typeof channels !== 'number' || channels % groups !== 0) throw new Error(`groupNorm ${key}: ${channels} channels do not split into ${groups} groups`);
  const normed = normalizeLastAxis(g, reshape(g, x, [0, groups, -1]), epsilon);
  const back = reshape(g, normed, shapeOf(g, x));
  const perChannel = [channels, ...x.shape.slice(2).map(() => 1)];
  return add(g, mul(g, back, reshape(g, p.get(`${key}.weight`), perChannel)), reshape(g, p.get(`${key}.bias`), perChannel));
}

/** LayerNorm over the last axis without learned scale or bias (`elementwise_affine=False`). */
export function layerNormPlain(g: Graph, x: Value, epsilon: number): Value {
  const width = x.shape[x.shape.length - 1];
  if (typeof width !== 'number') throw new Error(`layerNormPlain: the normalised axis must be static, got ${width}`);
  const ones = g.constant(tensorFrom(x.dtype, [width], new Array<number>(width).fill(1)), 'layer_norm_ones');
  return layerNormalization(g, x, ones, undefined, { axis: -1, epsilon });
}
