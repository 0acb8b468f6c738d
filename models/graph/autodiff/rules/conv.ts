/** Gradient rules of the sliding-window ops: Conv, ConvTranspose, AveragePool. */
import type { Graph } from '../../graph.ts';
import { div } from '../../ops/arithmetic.ts';
import { conv, convTranspose, type ConvOptions } from '../../ops/conv.ts';
import { reshape, transpose } from '../../ops/layout.ts';
import { reduceSum } from '../../ops/reduce.ts';
import { slice } from '../../ops/slice.ts';
import { tensorFrom } from '../../tensor.ts';
import { intAttr, intsAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientTable } from '../rule.ts';
import { flippedKernelInputGradient, hasFastConvGradient, im2colWeightGradient } from './conv-fast.ts';
import { requireStatic, reshapeLike } from '../shapes.ts';

/** The window attributes of a Conv-like node as builder options. */
function windowOf(node: Node, spatial: number): Required<ConvOptions> {
  const ones = Array<number>(spatial).fill(1);
  return {
    strides: intsAttr(node.attributes, 'strides', ones),
    pads: intsAttr(node.attributes, 'pads', Array<number>(2 * spatial).fill(0)),
    dilations: intsAttr(node.attributes, 'dilations', ones),
    group: intAttr(node.attributes, 'group', 1),
  };
}

/**
 * Weight gradient of y = Conv(x, w): a Conv of x (batch and channel axes swapped, groups folded into
 * channels) with the output gradient as kernel, strides and dilations exchanged, cropped to the kernel.
 */
export function convWeightGradient(g: Graph, x: Value, dy: Value, kernel: readonly number[], window: Required<ConvOptions>): Value {
  const spatial = kernel.length;
  const rest = [...Array(spatial).keys()].map((i) => i + 2);
  const [c, ...sizes] = requireStatic('Conv', x).slice(1);
  const group = window.group;
  const perGroup = (c as number) / group;
  const grouped = reshape(g, x, [0, group, perGroup, ...sizes]);
  const swapped = transpose(g, grouped, [2, 1, 0, ...rest.map((i) => i + 1)]);
  const input = reshape(g, swapped, [perGroup, -1, ...sizes]);
  const filters = transpose(g, dy, [1, 0, ...rest]);
  const full = conv(g, input, filters, undefined, { strides: window.dilations, dilations: window.strides, pads: window.pads, group });
  const cropped = full.shape.slice(2).some((d, i) => d !== kernel[i])
    ? slice(g, full, { starts: kernel.map(() => 0), ends: [...kernel], axes: rest })
    : full;
  return transpose(g, cropped, [1, 0, ...rest]);
}

/** Input gradient of Conv: the transposed convolution, with output padding to recover the input size. */
function convInputGradient(g: Graph, inSizes: readonly number[], w: Value, dy: Value, window: Required<ConvOptions>): Value {
  const outSizes = requireStatic('Conv', dy).slice(2);
  const kernel = requireStatic('Conv', w).slice(2);
  const n = kernel.length;
  const outputPadding = inSizes.map((size, i) => {
    const [s, d, p] = [window.strides[i] as number, window.dilations[i] as number, (window.pads[i] as number) + (window.pads[i + n] as number)];
    return size - (s * ((outSizes[i] as number) - 1) + d * ((kernel[i] as number) - 1) + 1 - p);
  });
  return convTranspose(g, dy, w, undefined, { ...window, outputPadding });
}

const channelSum = (g: Graph, dy: Value): Value => reduceSum(g, dy, { axes: dy.shape.map((_, i) => i).filter((i) => i !== 1), keepdims: false });

/** How many input cells each AveragePool window covers (count_include_pad 0), as a constant [...outSizes]. */
function windowCounts(g: Graph, node: Node, x: Value, dy: Value): Value {
  const inSizes = requireStatic('AveragePool', x).slice(2);
  const outSizes = requireStatic('AveragePool', dy).slice(2);
  const kernel = intsAttr(node.attributes, 'kernel_shape', []);
  const { strides, pads } = windowOf(node, inSizes.length);
  const includePad = intAttr(node.attributes, 'count_include_pad', 0) === 1;
  const perAxis = outSizes.map((out, a) => Array.from({ length: out }, (_, o) => {
    const first = o * (strides[a] as number) - (pads[a] as number);
    const k = kernel[a] as number;
    return includePad ? k : Math.min(first + k, inSizes[a] as number) - Math.max(first, 0);
  }));
  const total = outSizes.reduce((p, d) => p * d, 1);
  const counts = Array.from({ length: total }, (_, flat) => {
    let rem = flat;
    let prod = 1;
    for (let a = outSizes.length - 1; a >= 0; a--) {
      prod *= perAxis[a]![rem % (outSizes[a] as number)] as number;
      rem = Math.floor(rem / (outSizes[a] as number));
    }
    return prod;
  });
  return g.constant(tensorFrom(dy.dtype, outSizes, counts), 'pool_counts');
}

function averagePoolGradient(g: Graph, node: Node, dy: Value): Value {
  const x = inputOf(node, 0);
  const kernel = intsAttr(node.attributes, 'kernel_shape', []);
  const window = { ...windowOf(node, kernel.length), dilations: kernel.map(() => 1), group: 1 };
  const share = div(g, dy, windowCounts(g, node, x, dy));
  const planes = reshape(g, share, [-1, 1, ...requireStatic('AveragePool', dy).slice(2)]);
  const ones = g.constant(tensorFrom(dy.dtype, [1, 1, ...kernel], new Array<number>(kernel.reduce((p, k) => p * k, 1)).fill(1)), 'pool_ones');
  return reshapeLike(g, convInputGradient(g, requireStatic('AveragePool', x).slice(2), ones, planes, window), x);
}

/** d of Conv, ConvTranspose, AveragePool. */
export const convRules: GradientTable = {
  Conv: (node, dys, g) => {
    const [dy, x, w] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1)];
    const window = windowOf(node, x.shape.length - 2);
    const kernel = requireStatic('Conv', w).slice(2);
    const fast = hasFastConvGradient(x, window);
    return [
      () => (fast ? flippedKernelInputGradient(g, w, dy, window) : null) ?? convInputGradient(g, requireStatic('Conv', x).slice(2), w, dy, window),
      () => (fast ? im2colWeightGradient(g, x, dy, kernel, window) : convWeightGradient(g, x, dy, kernel, window)),
      () => channelSum(g, dy),
    ];
  },
  ConvTranspose: (node, dys, g) => {
    const [dy, x, w] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1)];
    const window = windowOf(node, x.shape.length - 2);
    const kernel = requireStatic('ConvTranspose', w).slice(2);
    return [() => conv(g, dy, w, undefined, window), () => convWeightGradient(g, dy, x, kernel, window), () => channelSum(g, dy)];
  },
  AveragePool: (node, dys, g) => [() => averagePoolGradient(g, node, onlyGradient(node, dys))],
};
