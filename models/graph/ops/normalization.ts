/** Normalisation layers. */
import { isFloat } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, check, formatShape, normalizeAxis } from '../shape.ts';
import { attr, intAttr, type Value } from '../value.ts';
import { tensorFrom } from '../tensor.ts';
import { add, mul } from './arithmetic.ts';
import { reshape } from './layout.ts';
import { inputAt, sameDType } from './operands.ts';

/** Options of `layerNormalization`: normalise over dims axis.. (default the last), with epsilon. */
export interface LayerNormOptions {
  axis?: number;
  epsilon?: number;
}

/** (x - mean) / sqrt(var + epsilon) * scale + bias over the trailing dims from `axis` (opset 17). */
export function layerNormalization(g: Graph, x: Value, scale: Value, bias?: Value, options: LayerNormOptions = {}): Value {
  const attributes = { axis: attr.int(options.axis ?? -1), epsilon: attr.float(options.epsilon ?? 1e-5) };
  return g.op('LayerNormalization', bias ? [x, scale, bias] : [x, scale], attributes, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    const dtype = sameDType('LayerNormalization', inputs);
    check(isFloat(dtype), 'LayerNormalization', `needs float inputs, got ${dtype}`);
    const a = normalizeAxis('LayerNormalization', intAttr(at, 'axis', -1), xv.shape.length);
    const normalized = xv.shape.slice(a);
    for (const p of inputs.slice(1)) {
      const fits = broadcastShapes('LayerNormalization', [normalized, p.shape]).length === normalized.length;
      check(fits, 'LayerNormalization', `${p.name} ${formatShape(p.shape)} does not broadcast to the normalised dims ${formatShape(normalized)}`);
    }
    return [{ dtype, shape: xv.shape }];
  });
}

/** Options of `groupNormalization`. */
export interface GroupNormOptions {
  epsilon?: number;
}

/**
 * GroupNorm as a decomposition: [N, C, ...] → [N, G, C/G*...] → LayerNormalization over the last axis
 * → back to [N, C, ...] → per-channel scale [C] and bias [C]. Needs static C and spatial dims.
 */
export function groupNormalization(g: Graph, x: Value, scale: Value, bias: Value, groups: number, options: GroupNormOptions = {}): Value {
  const [, c, ...spatial] = x.shape;
  const dims = [c, ...spatial];
  check(dims.every((d) => typeof d === 'number'), 'GroupNormalization', `channels and spatial dims must be static, got ${formatShape(x.shape)}`);
  const perGroup = (dims as number[]).reduce((p, d) => p * d, 1) / groups;
  check(Number.isInteger(perGroup) && (c as number) % groups === 0, 'GroupNormalization', `${c} channels do not split into ${groups} groups`);
  const grouped = reshape(g, x, [0, groups, perGroup]);
  const ones = g.constant(tensorFrom(x.dtype, [perGroup], new Array<number>(perGroup).fill(1)), 'group_norm_ones');
  const normed = layerNormalization(g, grouped, ones, undefined, { axis: -1, epsilon: options.epsilon ?? 1e-5 });
  const back = reshape(g, normed, [0, ...(dims as number[])]);
  const channelShape = [c as number, ...spatial.map(() => 1)];
  return add(g, mul(g, back, reshape(g, scale, channelShape)), reshape(g, bias, channelShape));
}
