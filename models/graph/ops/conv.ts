/** Sliding-window ops: Conv and the pools, sharing one output-size rule. */
import { isFloat } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { check, dimAdd, dimFloorDiv, dimMul, formatShape } from '../shape.ts';
import { attr, intAttr, intsAttr, type Attributes, type Dim, type Shape, type Value, type ValueType } from '../value.ts';
import { inputAt, sameDType } from './operands.ts';

/** Window geometry per spatial axis; pads are ONNX-ordered [begin..., end...]. */
export interface WindowOptions {
  strides?: readonly number[];
  pads?: readonly number[];
  dilations?: readonly number[];
}

/** Output size along one axis: floor((in + padBegin + padEnd - dilation*(k-1) - 1) / stride) + 1. */
export function windowOutputDim(input: Dim, kernel: number, stride: number, padTotal: number, dilation: number): Dim {
  const offset = padTotal - dilation * (kernel - 1) - 1;
  if (stride === 1) return dimAdd(input, offset + 1);
  return dimAdd(dimFloorDiv(dimAdd(input, offset), stride), 1);
}

function windowAttributes(op: string, spatial: number, kernel: readonly number[], o: WindowOptions): Record<string, Attributes[string]> {
  const strides = o.strides ?? Array<number>(spatial).fill(1);
  const pads = o.pads ?? Array<number>(2 * spatial).fill(0);
  const dilations = o.dilations ?? Array<number>(spatial).fill(1);
  check(strides.length === spatial && strides.every((s) => s >= 1), op, `strides must be ${spatial} positive integers`);
  check(pads.length === 2 * spatial && pads.every((p) => p >= 0), op, `pads must be ${2 * spatial} non-negative integers [begin..., end...]`);
  check(dilations.length === spatial && dilations.every((d) => d >= 1), op, `dilations must be ${spatial} positive integers`);
  return { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), pads: attr.ints(pads), dilations: attr.ints(dilations) };
}

function spatialOutput(op: string, x: Shape, at: Attributes): Dim[] {
  const kernel = intsAttr(at, 'kernel_shape', []);
  const spatial = x.length - 2;
  const strides = intsAttr(at, 'strides', []);
  const pads = intsAttr(at, 'pads', []);
  const dilations = intsAttr(at, 'dilations', Array<number>(spatial).fill(1));
  return x.slice(2).map((d, i) => {
    const out = windowOutputDim(d, kernel[i] as number, strides[i] as number, (pads[i] as number) + (pads[i + spatial] as number), dilations[i] as number);
    check(typeof out !== 'number' || out >= 1, op, `window ${kernel.join('x')} does not fit input ${formatShape(x)} on axis ${i + 2}`);
    return out;
  });
}

/** Options of `conv`. */
export interface ConvOptions extends WindowOptions {
  group?: number;
}

/** N-d convolution: x [N, C, ...], w [M, C/group, ...k], optional bias [M]. */
export function conv(g: Graph, x: Value, w: Value, b?: Value, options: ConvOptions = {}): Value {
  const spatial = x.shape.length - 2;
  check(spatial >= 1 && w.shape.length === spatial + 2, 'Conv', `x ${formatShape(x.shape)} and w ${formatShape(w.shape)} must both be [batch, channels, ...spatial]`);
  const kernel = w.shape.slice(2);
  check(kernel.every((k) => typeof k === 'number'), 'Conv', `kernel size must be static, got w ${formatShape(w.shape)}`);
  const attributes = { ...windowAttributes('Conv', spatial, kernel as number[], options), group: attr.int(options.group ?? 1) };
  return g.op('Conv', b ? [x, w, b] : [x, w], attributes, (inputs, at): ValueType[] => {
    const [xv, wv] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    const dtype = sameDType('Conv', inputs);
    check(isFloat(dtype), 'Conv', `needs float inputs, got ${dtype}`);
    const group = intAttr(at, 'group', 1);
    const [c, m, cw] = [xv.shape[1] as Dim, wv.shape[0] as Dim, wv.shape[1] as Dim];
    check(typeof c !== 'number' || typeof cw !== 'number' || c === cw * group, 'Conv',
      `input has ${c} channels but w ${formatShape(wv.shape)} with group ${group} expects ${typeof cw === 'number' ? cw * group : cw}`);
    check(typeof m !== 'number' || m % group === 0, 'Conv', `${m} output channels do not split into ${group} groups`);
    const bias = inputs[2];
    if (bias) check(bias.shape.length === 1 && (bias.shape[0] === m || typeof m !== 'number' || typeof bias.shape[0] !== 'number'), 'Conv', `bias ${formatShape(bias.shape)} must be [${m}]`);
    return [{ dtype, shape: [xv.shape[0] as Dim, m, ...spatialOutput('Conv', xv.shape, at)] }];
  });
}

const pool = (op: 'MaxPool' | 'AveragePool') => (g: Graph, x: Value, kernel: readonly number[], options: WindowOptions = {}): Value => {
  const spatial = x.shape.length - 2;
  check(spatial >= 1 && kernel.length === spatial, op, `kernel ${kernel.length}-d does not match input ${formatShape(x.shape)}`);
  const attributes: Record<string, Attributes[string]> = windowAttributes(op, spatial, kernel, options);
  if (op === 'AveragePool') {
    delete attributes.dilations; // AveragePool accepts dilations only from opset 19; keep the plain form
    attributes.count_include_pad = attr.int(0);
  }
  return g.op(op, [x], attributes, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    check(isFloat(xv.dtype), op, `needs a float input, got ${xv.dtype}`);
    return [{ dtype: xv.dtype, shape: [xv.shape[0] as Dim, xv.shape[1] as Dim, ...spatialOutput(op, xv.shape, at)] }];
  });
};

/** Max over sliding windows (floor output size, no indices output). */
export const maxPool = pool('MaxPool');

/** Mean over sliding windows; padded cells are not counted. */
export const averagePool = pool('AveragePool');

/** Mean over all spatial positions: [N, C, ...] → [N, C, 1, ...]. */
export function globalAveragePool(g: Graph, x: Value): Value {
  return g.op('GlobalAveragePool', [x], {}, (inputs) => {
    const xv = inputAt(inputs, 0);
    check(isFloat(xv.dtype) && xv.shape.length >= 3, 'GlobalAveragePool', `needs a float [N, C, ...spatial] input, got ${xv.dtype}${formatShape(xv.shape)}`);
    return [{ dtype: xv.dtype, shape: [xv.shape[0] as Dim, xv.shape[1] as Dim, ...xv.shape.slice(2).map(() => 1)] }];
  });
}

/** Options of `convTranspose`: the adjoint of a Conv with the same window, plus extra output rows at the end. */
export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: readonly number[];
}

/** Output size of ConvTranspose along one axis: stride*(in-1) + outputPadding + dilation*(k-1) + 1 - padTotal. */
export function convTransposeOutputDim(input: Dim, kernel: number, stride: number, padTotal: number, dilation: number, outputPadding: number): Dim {
  return dimAdd(dimMul(input, stride), outputPadding + dilation * (kernel - 1) + 1 - padTotal - stride);
}

/** N-d transposed convolution: x [N, C, ...], w [C, M/group, ...k], optional bias [M]. */
export function convTranspose(g: Graph, x: Value, w: Value, b?: Value, options: ConvTransposeOptions = {}): Value {
  const spatial = x.shape.length - 2;
  check(spatial >= 1 && w.shape.length === spatial + 2, 'ConvTranspose', `x ${formatShape(x.shape)} and w ${formatShape(w.shape)} must both be [batch, channels, ...spatial]`);
  const kernel = w.shape.slice(2);
  check(kernel.every((k) => typeof k === 'number'), 'ConvTranspose', `kernel size must be static, got w ${formatShape(w.shape)}`);
  const outputPadding = options.outputPadding ?? Array<number>(spatial).fill(0);
  check(outputPadding.length === spatial && outputPadding.every((p) => p >= 0), 'ConvTranspose', `output_padding must be ${spatial} non-negative integers`);
  const attributes = {
    ...windowAttributes('ConvTranspose', spatial, kernel as number[], options),
    group: attr.int(options.group ?? 1),
    output_padding: attr.ints(outputPadding),
  };
  return g.op('ConvTranspose', b ? [x, w, b] : [x, w], attributes, (inputs, at): ValueType[] => {
    const [xv, wv] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    const dtype = sameDType('ConvTranspose', inputs);
    check(isFloat(dtype), 'ConvTranspose', `needs float inputs, got ${dtype}`);
    const group = intAttr(at, 'group', 1);
    check(typeof xv.shape[1] !== 'number' || typeof wv.shape[0] !== 'number' || xv.shape[1] === wv.shape[0], 'ConvTranspose',
      `input has ${xv.shape[1]} channels but w ${formatShape(wv.shape)} expects ${wv.shape[0]}`);
    const [k, s, p, d, op] = ['kernel_shape', 'strides', 'pads', 'dilations', 'output_padding'].map((n) => intsAttr(at, n, [])) as number[][];
    const dims = xv.shape.slice(2).map((dim, i) =>
      convTransposeOutputDim(dim, k?.[i] as number, s?.[i] as number, (p?.[i] as number) + (p?.[i + spatial] as number), d?.[i] as number, op?.[i] as number));
    return [{ dtype, shape: [xv.shape[0] as Dim, dimMul(wv.shape[1] as Dim, group), ...dims] }];
  });
}
