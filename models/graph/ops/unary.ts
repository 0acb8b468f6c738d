/** Element-wise ops on one tensor: math, activations, Clip, Cast, Identity. */
import { isFloat, isNumeric, ONNX_DTYPE_CODE, type DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { check } from '../shape.ts';
import { tensorFrom } from '../tensor.ts';
import { attr, type InferFn, type Value } from '../value.ts';
import { inputAt, sameDType } from './operands.ts';

const sameAsInput = (op: string, allowed: (t: DType) => boolean, what: string): InferFn => (inputs) => {
  const x = inputAt(inputs, 0);
  check(allowed(x.dtype), op, `needs ${what} input, got ${x.dtype}`);
  return [{ dtype: x.dtype, shape: x.shape }];
};

const floatOp = (op: string) => (g: Graph, x: Value): Value => g.op(op, [x], {}, sameAsInput(op, isFloat, 'a float'));
const numericOp = (op: string) => (g: Graph, x: Value): Value => g.op(op, [x], {}, sameAsInput(op, isNumeric, 'a numeric'));

/** -x. */
export const neg = numericOp('Neg');
/** |x|. */
export const abs = numericOp('Abs');
/** max(x, 0). */
export const relu = numericOp('Relu');
/** Square root. */
export const sqrt = floatOp('Sqrt');
/** e^x. */
export const exp = floatOp('Exp');
/** Natural logarithm. */
export const log = floatOp('Log');
/** 1 / (1 + e^-x). */
export const sigmoid = floatOp('Sigmoid');
/** Hyperbolic tangent. */
export const tanh = floatOp('Tanh');
/** The Gauss error function (exact GELU is built from it). */
export const erf = floatOp('Erf');
/** 1 / x. */
export const reciprocal = floatOp('Reciprocal');
/** -1, 0 or 1 by the sign of x (zero gradient almost everywhere). */
export const sign = numericOp('Sign');
/** Sine (timestep embeddings). */
export const sin = floatOp('Sin');
/** Cosine (timestep embeddings). */
export const cos = floatOp('Cos');

/** x for x > 0, alpha * x otherwise. */
export function leakyRelu(g: Graph, x: Value, alpha = 0.01): Value {
  return g.op('LeakyRelu', [x], { alpha: attr.float(alpha) }, sameAsInput('LeakyRelu', isFloat, 'a float'));
}

/** Passes the tensor through unchanged (useful to give a value a second name). */
export const identity = (g: Graph, x: Value): Value => g.op('Identity', [x], {}, sameAsInput('Identity', () => true, 'any'));

/** Converts the element type. */
export function cast(g: Graph, x: Value, to: DType): Value {
  return g.op('Cast', [x], { to: attr.int(ONNX_DTYPE_CODE[to]) }, (inputs) => [{ dtype: to, shape: inputAt(inputs, 0).shape }]);
}

const LOWEST_INTEGER: Partial<Record<DType, number>> = { int64: -(2 ** 63), int32: -(2 ** 31), int8: -128, uint8: 0 };
const lowest = (dtype: DType): number => (isFloat(dtype) ? -Infinity : (LOWEST_INTEGER[dtype] ?? 0));

/** Limits values to [min, max]; either bound may be left out. */
export function clip(g: Graph, x: Value, bounds: { min?: number; max?: number }): Value {
  const inputs = [x];
  if (bounds.min !== undefined || bounds.max !== undefined) {
    inputs.push(g.constant(tensorFrom(x.dtype, [], [bounds.min ?? lowest(x.dtype)]), 'clip_min'));
  }
  if (bounds.max !== undefined) inputs.push(g.constant(tensorFrom(x.dtype, [], [bounds.max]), 'clip_max'));
  return g.op('Clip', inputs, {}, (ins) => {
    const v = inputAt(ins, 0);
    check(isNumeric(v.dtype), 'Clip', `needs a numeric input, got ${v.dtype}`);
    sameDType('Clip', ins);
    for (const b of ins.slice(1)) check(b.shape.length === 0, 'Clip', `bounds must be scalars, got rank ${b.shape.length}`);
    return [{ dtype: v.dtype, shape: v.shape }];
  });
}
