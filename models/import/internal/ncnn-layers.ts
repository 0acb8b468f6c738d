/**
 * ncnn layers as ONNX ops, one rule per layer type: a small function from the layer, its input values and the
 * weight reader to its output values. Layers that carry weights read them in layer order, as ncnn loads them.
 * A type missing from the table is refused by the caller, naming it.
 */
import {
  add, cast, clip, concat, conv, depthToSpace, leakyRelu, max, min, mul, div, relu, resize, sigmoid, sub, tanh, tensor,
  type Graph, type Value,
} from '../../graph/index.ts';
import { ImportError } from '../errors.ts';
import { arrayParam, intParam, type NcnnLayer } from './ncnn-param.ts';
import type { NcnnWeightReader, NcnnWeights } from './ncnn-weights.ts';

/** What a rule works with. */
export interface NcnnContext {
  g: Graph;
  weights: NcnnWeightReader;
  /** Counts of weight buffers by how they were stored, for the provenance. */
  storage: Record<NcnnWeights['dtype'], number>;
}

/** Converts one layer: its input values in, its output values out (one per output blob). */
export type NcnnLayerRule = (layer: NcnnLayer, inputs: Value[], ctx: NcnnContext) => Value[];

const refuse = (layer: NcnnLayer, message: string): never => {
  throw new ImportError(`${layer.type} ${layer.name} (line ${layer.line}): ${message}`);
};

/** A float32 weight constant; float16 weights stay float16 in the file and are cast once when the model loads. */
function weightConstant(ctx: NcnnContext, w: NcnnWeights, dims: number[], hint: string): Value {
  ctx.storage[w.dtype]++;
  if (w.dtype === 'float32') return ctx.g.constant(tensor('float32', dims, w.data), hint);
  return cast(ctx.g, ctx.g.constant(tensor('float16', dims, w.data), `${hint}_fp16`), 'float32');
}

/** ncnn's fused activations (Convolution's 9=type, 10=params). */
function activation(layer: NcnnLayer, x: Value, g: Graph, type: number, params: number[]): Value {
  switch (type) {
    case 0: return x;
    case 1: return relu(g, x);
    case 2: return leakyRelu(g, x, params[0] ?? 0);
    case 3: return clip(g, x, { min: params[0] ?? -3.4028234663852886e38, max: params[1] ?? 3.4028234663852886e38 });
    case 4: return sigmoid(g, x);
    default: return refuse(layer, `activation_type ${type} (mish, hardswish, …) is not supported; supported: none, ReLU, LeakyReLU, Clip, Sigmoid`);
  }
}

/** Explicit pads [top, left, bottom, right] from ncnn's pad params (-233/-234: SAME_UPPER/LOWER, stride 1 only). */
function convPads(layer: NcnnLayer, kernel: [number, number], dilation: [number, number], stride: [number, number]): number[] {
  const left = intParam(layer, 4, 0);
  const top = intParam(layer, 14, left);
  const right = intParam(layer, 15, left);
  const bottom = intParam(layer, 16, top);
  if (left === -233 || left === -234) {
    if (stride[0] !== 1 || stride[1] !== 1) refuse(layer, 'automatic SAME padding with a stride above 1 depends on the input size and is not supported');
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    const begin = total.map((t) => (left === -233 ? Math.floor(t / 2) : Math.ceil(t / 2)));
    return [begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!];
  }
  if ([left, top, right, bottom].some((p) => p < 0)) refuse(layer, `padding ${[left, top, right, bottom].join(',')} is not supported`);
  return [top, left, bottom, right];
}

/** Convolution and ConvolutionDepthWise: weights [out][in/group][kh][kw] (ONNX's layout), bias, fused activation. */
function convolution(layer: NcnnLayer, [x]: Value[], ctx: NcnnContext): Value[] {
  const out = intParam(layer, 0, 0);
  const kw = intParam(layer, 1, 0);
  const kh = intParam(layer, 11, kw);
  const dilation: [number, number] = [intParam(layer, 12, intParam(layer, 2, 1)), intParam(layer, 2, 1)];
  const stride: [number, number] = [intParam(layer, 13, intParam(layer, 3, 1)), intParam(layer, 3, 1)];
  const size = intParam(layer, 6, 0);
  const group = layer.type === 'ConvolutionDepthWise' ? intParam(layer, 7, 1) : 1;
  if (intParam(layer, 8, 0) !== 0) refuse(layer, 'int8-quantised convolutions (int8_scale_term) are not supported; import a float32 or float16 model');
  if (intParam(layer, 19, 0) !== 0) refuse(layer, 'dynamic weights are not supported');
  if (Number(layer.params.get(18) ?? 0) !== 0) refuse(layer, 'a non-zero pad_value is not supported');
  const inPerGroup = size / (out * kh * kw);
  if (!(out > 0 && kw > 0 && Number.isInteger(inPerGroup) && inPerGroup > 0 && out % group === 0)) {
    refuse(layer, `weight_data_size ${size} does not fit ${out} outputs of ${kh}x${kw} kernels in ${group} group(s)`);
  }
  const pads = convPads(layer, [kh, kw], dilation, stride);
  const w = weightConstant(ctx, ctx.weights.tagged(size, `${layer.name} weights`), [out, inPerGroup, kh, kw], `${layer.name}_weight`);
  const b = intParam(layer, 5, 0) ? ctx.g.constant(tensor('float32', [out], ctx.weights.float32(out, `${layer.name} bias`)), `${layer.name}_bias`) : undefined;
  const y = conv(ctx.g, x!, w, b, { group, strides: stride, dilations: dilation, pads });
  return [activation(layer, y, ctx.g, intParam(layer, 9, 0), arrayParam(layer, 10))];
}

/** PReLU: one slope per channel (or one for all), plain float32 in the .bin. */
function prelu(layer: NcnnLayer, [x]: Value[], ctx: NcnnContext): Value[] {
  const count = intParam(layer, 0, 0);
  if (count < 1) refuse(layer, 'num_slope must be at least 1');
  const slopes = ctx.weights.float32(count, `${layer.name} slopes`);
  const slope = ctx.g.constant(tensor('float32', count === 1 ? [1] : [count, 1, 1], slopes), `${layer.name}_slope`);
  return [ctx.g.op('PRelu', [x!, slope], {}, (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }])];
}

/** Eltwise: product, sum (with optional coefficients) or maximum of its inputs. */
function eltwise(layer: NcnnLayer, inputs: Value[], { g }: NcnnContext): Value[] {
  const op = intParam(layer, 0, 0);
  if (op === 0) return [inputs.reduce((a, b) => mul(g, a, b))];
  if (op === 2) return [max(g, ...inputs)];
  if (op !== 1) return refuse(layer, `op_type ${op} is not one of 0 (product), 1 (sum), 2 (max)`);
  const coeffs = arrayParam(layer, 1);
  if (coeffs.length > 0 && coeffs.length !== inputs.length) refuse(layer, `${coeffs.length} coefficients for ${inputs.length} inputs`);
  const terms = inputs.map((x, i) => (coeffs.length === 0 || coeffs[i] === 1 ? x : mul(g, x, coeffs[i]!)));
  return [terms.reduce((a, b) => add(g, a, b))];
}

const BINARY_OPS: Readonly<Record<number, (g: Graph, a: Value | number, b: Value | number) => Value>> = Object.freeze({
  0: add, 1: sub, 2: mul, 3: div,
  4: (g: Graph, a: Value | number, b: Value | number) => max(g, ...toValues(g, a, b)),
  5: (g: Graph, a: Value | number, b: Value | number) => min(g, ...toValues(g, a, b)),
  7: (g: Graph, a: Value | number, b: Value | number) => sub(g, b, a),
  8: (g: Graph, a: Value | number, b: Value | number) => div(g, b, a),
});

function toValues(g: Graph, a: Value | number, b: Value | number): Value[] {
  return [a, b].map((v) => (typeof v === 'number' ? g.constant(tensor('float32', [], Float32Array.of(v)), 'scalar') : v));
}

/** BinaryOp: add, sub, mul, div, max, min, rsub, rdiv of two blobs (numpy broadcasting) or of a blob and a scalar. */
function binaryOp(layer: NcnnLayer, inputs: Value[], { g }: NcnnContext): Value[] {
  const opType = intParam(layer, 0, 0);
  const op = BINARY_OPS[opType] ?? refuse(layer, `op_type ${opType} is not supported (supported: add, sub, mul, div, max, min, rsub, rdiv)`);
  if (intParam(layer, 1, 0)) return [op(g, inputs[0]!, Number(layer.params.get(2) ?? 0))];
  if (inputs.length !== 2) refuse(layer, `needs two inputs without with_scalar, got ${inputs.length}`);
  return [op(g, inputs[0]!, inputs[1]!)];
}

/** Interp: nearest-neighbour resampling by a scale factor, as ncnn computes it (source index = floor(dst / scale)). */
function interp(layer: NcnnLayer, [x]: Value[], { g }: NcnnContext): Value[] {
  const type = intParam(layer, 0, 0);
  if (type !== 1) refuse(layer, `resize_type ${type} is not supported (only 1, nearest)`);
  if (intParam(layer, 3, 0) || intParam(layer, 4, 0) || intParam(layer, 5, 0) || layer.params.has(9)) refuse(layer, 'resizing to a fixed or dynamic size is not supported, only by a scale');
  const hs = Number(layer.params.get(1) ?? 1);
  const ws = Number(layer.params.get(2) ?? 1);
  return [resize(g, x!, { mode: 'nearest', scales: [1, 1, hs, ws], coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' })];
}

/** PixelShuffle: mode 0 is PyTorch's pixel_shuffle (DepthToSpace CRD), mode 1 DCR. */
function pixelShuffle(layer: NcnnLayer, [x]: Value[], { g }: NcnnContext): Value[] {
  const mode = intParam(layer, 1, 0);
  if (mode !== 0 && mode !== 1) refuse(layer, `mode ${mode} is not 0 or 1`);
  return [depthToSpace(g, x!, intParam(layer, 0, 1), mode === 0 ? 'CRD' : 'DCR')];
}

/** Concat along ncnn's axis (0 = channels of a c×h×w blob; negative counts from the end). */
function concatLayer(layer: NcnnLayer, inputs: Value[], { g }: NcnnContext): Value[] {
  const axis = intParam(layer, 0, 0);
  const chw = axis < 0 ? axis + 3 : axis;
  if (chw < 0 || chw > 2) refuse(layer, `axis ${axis} is not one of a c×h×w blob's`);
  return [concat(g, inputs, chw + 1)];
}

/** Split copies a blob to several consumers; Noop passes its inputs through. */
const passThrough = (count: (layer: NcnnLayer) => number): NcnnLayerRule => (layer, inputs) =>
  Array.from({ length: count(layer) }, (_, i) => inputs[Math.min(i, inputs.length - 1)]!);

/** Every layer type the importer reads. */
export const NCNN_LAYER_RULES: Readonly<Record<string, NcnnLayerRule>> = Object.freeze({
  Convolution: convolution,
  ConvolutionDepthWise: convolution,
  ReLU: (layer: NcnnLayer, [x]: Value[], { g }: NcnnContext) => {
    const slope = Number(layer.params.get(0) ?? 0);
    return [slope === 0 ? relu(g, x!) : leakyRelu(g, x!, slope)];
  },
  PReLU: prelu,
  Sigmoid: (_: NcnnLayer, [x]: Value[], { g }: NcnnContext) => [sigmoid(g, x!)],
  TanH: (_: NcnnLayer, [x]: Value[], { g }: NcnnContext) => [tanh(g, x!)],
  Clip: (layer: NcnnLayer, [x]: Value[], { g }: NcnnContext) => [clip(g, x!, { min: Number(layer.params.get(0) ?? -3.4e38), max: Number(layer.params.get(1) ?? 3.4e38) })],
  Eltwise: eltwise,
  BinaryOp: binaryOp,
  Interp: interp,
  PixelShuffle: pixelShuffle,
  Concat: concatLayer,
  Split: passThrough((layer) => layer.outputs.length),
  Noop: passThrough((layer) => layer.outputs.length),
});
